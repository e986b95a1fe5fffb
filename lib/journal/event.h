// Event: one journaled fact about a session (its start and end, a statement
// and its result, a COPY, a fast-path call). interpose/ fills events in;
// journal/ encodes, chains, spools and stores them. The canonical encoding of
// an Event (CanonicalJson) is what the hash chain covers, so its field set and
// key names are part of the journal format (docs/journal.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pqward::journal {

// The types below take their string type S as a parameter: std::string for
// an Event, std::string_view for an EventView, the same event with its
// strings left where a spool record holds them (the writer encodes one
// without copying them; spool_record.h).
template <typename S>
using BasicValue = std::optional<S>;  // nullopt = SQL NULL
using Value = BasicValue<std::string>;
using Row = std::vector<Value>;

template <typename S>
struct BasicColumn {
  S name;                  // PQfname; empty for COPY results
  uint32_t type_oid = 0;   // PQftype
  uint32_t table_oid = 0;  // PQftable; 0 = not a plain table column
  int table_column = 0;    // PQftablecol; 0 = none
};
using Column = BasicColumn<std::string>;

template <typename S>
struct BasicError {
  S sqlstate;  // PG_DIAG_SQLSTATE, or "" for client-side errors
  S message;   // primary message, masked like any value
};
using Error = BasicError<std::string>;

// Kinds, as stored in `kind`:
//   session_start, session_end, connect_failed,
//   query (PQexec, PQsendQuery, PQexecParams, PQsendQueryParams),
//   prepare, execute (prepared), describe, fastpath, large_object.
// COPY statements are `query` events whose extra.copy says direction and bytes.
template <typename S>
struct BasicEvent {
  S session;        // 32 lowercase hex digits
  int64_t seq = 0;  // 0-based, contiguous per session; set by Recorder
  S kind;
  S api;                                             // the libpq function the program called
  S sql;                                             // statement text (linked text for `execute`)
  std::optional<std::vector<BasicValue<S>>> params;  // bound values; binary ones as "\\x<hex>"
  S statement_name;                                  // prepared statement or portal name
  S status;                     // PGRES_* name, or ABANDONED, CANCELLED, DENIED
  S command_tag;                // PQcmdStatus of the final result
  std::optional<int64_t> rows;  // rows returned or affected
  std::vector<BasicColumn<S>> columns;
  std::vector<std::vector<BasicValue<S>>> values;  // first capture_rows rows (masked)
  std::optional<BasicError<S>> error;
  int64_t started_at_us = 0;  // microseconds since the Unix epoch, UTC
  int64_t duration_us = 0;
  nlohmann::json extra;  // kind-specific details (an object; null until one is set)
  // Filled in by readers (the writer chains events without them):
  S prev_hash;  // hex SHA-256 of the previous event ("" for seq 0)
  S hash;       // hex SHA-256(prev_hash || CanonicalJson(event))

  // Fields back to their defaults, keeping the strings' memory (the
  // recording side reuses one Event per queued statement). Event only.
  // ClearOutcome: what a result fills in (status, command_tag, rows,
  // columns, values, error, duration_us); ClearRequest: all the others.
  void ClearOutcome();
  void ClearRequest();
};
using Event = BasicEvent<std::string>;
using EventView = BasicEvent<std::string_view>;
template <>
void Event::ClearOutcome();
template <>
void Event::ClearRequest();

// The columns and first rows of an event's result, read from where the
// result already is: interpose/ passes the PGresult about to be returned, so
// that a one-row SELECT's values are copied once, into the spool record,
// instead of into the Event first (docs/performance.md, "Run Z"). An Append
// given one encodes these in place of the event's own (empty) columns and
// values, before it returns.
class ResultSource {
 public:
  virtual int columns() const = 0;
  virtual BasicColumn<std::string_view> column(int i) const = 0;
  virtual int rows() const = 0;                                            // at most capture_rows
  virtual BasicValue<std::string_view> value(int row, int col) const = 0;  // as journaled

 protected:
  ~ResultSource() = default;
};

// Deterministic JSON of every field above except prev_hash and hash: keys
// sorted, no whitespace, UTF-8 as given (invalid bytes escaped as \u00XX),
// fields at their default value left out, session written for seq 0 only
// (readers take it from where the event is stored).
std::string CanonicalJson(const Event& ev);
void AppendCanonicalJson(const Event& ev, std::string* out);  // appends to *out
void AppendCanonicalJson(const EventView& ev, std::string* out);

// Inverse of CanonicalJson (used when draining the spool and by readers).
bool ParseCanonicalJson(std::string_view text, Event* out);

}  // namespace pqward::journal
