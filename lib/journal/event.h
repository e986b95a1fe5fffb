// Event: one journaled fact about a session (its start and end, a statement
// and its result, a COPY, a fast-path call). interpose/ fills events in;
// journal/ encodes, chains, spools and stores them. The canonical encoding of
// an Event (CanonicalJson) is what the hash chain covers, so its field set and
// key names are part of the journal format (docs/journal.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pqward::journal {

using Value = std::optional<std::string>;  // nullopt = SQL NULL
using Row = std::vector<Value>;

struct Column {
  std::string name;        // PQfname; empty for COPY results
  uint32_t type_oid = 0;   // PQftype
  uint32_t table_oid = 0;  // PQftable; 0 = not a plain table column
  int table_column = 0;    // PQftablecol; 0 = none
};

struct Error {
  std::string sqlstate;  // PG_DIAG_SQLSTATE, or "" for client-side errors
  std::string message;   // primary message, masked like any value
};

// Kinds, as stored in `kind`:
//   session_start, session_end, connect_failed,
//   query (PQexec, PQsendQuery, PQexecParams, PQsendQueryParams),
//   prepare, execute (prepared), describe, fastpath, large_object.
// COPY statements are `query` events whose extra.copy says direction and bytes.
struct Event {
  std::string session;  // 32 lowercase hex digits
  int64_t seq = 0;      // 0-based, contiguous per session; set by Recorder
  std::string kind;
  std::string api;                           // the libpq function the program called
  std::string sql;                           // statement text (linked text for `execute`)
  std::optional<std::vector<Value>> params;  // bound values; binary ones as "\\x<hex>"
  std::string statement_name;                // prepared statement or portal name
  std::string status;                        // PGRES_* name, or ABANDONED, CANCELLED, DENIED
  std::string command_tag;                   // PQcmdStatus of the final result
  std::optional<int64_t> rows;               // rows returned or affected
  std::vector<Column> columns;
  std::vector<Row> values;  // first capture_rows rows (masked)
  std::optional<Error> error;
  int64_t started_at_us = 0;  // microseconds since the Unix epoch, UTC
  int64_t duration_us = 0;
  nlohmann::json extra;  // kind-specific details (an object; null until one is set)
  // Filled in by readers (the writer chains events without them):
  std::string prev_hash;  // hex SHA-256 of the previous event ("" for seq 0)
  std::string hash;       // hex SHA-256(prev_hash || CanonicalJson(event))

  // Every field back to its default, keeping the strings' memory (the
  // recording side reuses one Event per queued statement).
  void Clear();
};

// Deterministic JSON of every field above except prev_hash and hash: keys
// sorted, no whitespace, UTF-8 as given (invalid bytes escaped as \u00XX),
// fields at their default value left out, session written for seq 0 only
// (readers take it from where the event is stored).
std::string CanonicalJson(const Event& ev);
void AppendCanonicalJson(const Event& ev, std::string* out);  // appends to *out

// Inverse of CanonicalJson (used when draining the spool and by readers).
bool ParseCanonicalJson(std::string_view text, Event* out);

}  // namespace pqward::journal
