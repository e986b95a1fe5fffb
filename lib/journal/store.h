// Store: the SQLite side of the journal (private to journal/). Opens and
// validates a journal file (schema version, "is this a pqward journal"),
// creates the schema on first use (upgrading schema 1 in place) and inserts
// batches of spooled records idempotently. One Store is used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "journal/event.h"
#include "journal/recorder.h"
#include "util/status.h"

namespace pqward::journal {

inline constexpr int kSchemaVersion = 2;

// One chained event as spooled and stored. `line` is its spool line,
// "<hash>\t<prev_hash>\t<session>\t<canonical json>\n" (pqward 0.1.0 wrote
// no session field; such lines are rewritten when read back).
struct Record {
  std::string line;
  size_t body_off = 0;     // offset of the canonical json in `line`
  size_t session_len = 0;  // the session field ends just before the body
  int64_t seq = 0;
  std::string kind;

  std::string_view session() const {
    return std::string_view(line).substr(body_off - session_len - 1, session_len);
  }
  std::string_view body() const {
    return std::string_view(line).substr(body_off, line.size() - body_off - 1);
  }
  std::string_view body_incomplete() const {  // while `line` has no '\n' yet
    return std::string_view(line).substr(body_off);
  }
};

// The fields of a spool line (without its '\n'). `session` is empty in lines
// written by pqward 0.1.0, whose bodies all carry their session.
struct LineFields {
  std::string_view hash, prev, session, body;
};

// Encodes event `ev` (its seq set) as the next event of `chain` into *r,
// hashing it in place. False if OpenSSL's SHA-256 failed.
bool MakeRecord(const Chain& chain, const Event& ev, Record* r);

// Splits a spool line (without its '\n'); false if it does not have the shape.
bool SplitLine(std::string_view line, LineFields* out);

// Parses one spool line (without its '\n'); false if it is torn or does not
// hash to its own hash.
bool ParseRecordLine(std::string_view line, Record* out);

class Store {
 public:
  enum class Mode { kWrite, kRead };

  // kWrite creates the file, its directory and the schema when missing.
  // kRead fails with NotFound when the file does not exist and opens an empty
  // (schema-less) database as an empty journal. `abort_wait`, when set, makes
  // a busy wait give up at once (fork and exit must not wait on a lock).
  static Status Open(const std::string& path, Mode mode, std::unique_ptr<Store>* out,
                     const std::atomic<bool>* abort_wait = nullptr);
  ~Store();

  // Appends the records that are not stored yet (as chunks) and derives the
  // sessions table, in one transaction. On error nothing is written.
  Status Insert(const std::vector<Record>& batch);

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }
  bool empty() const { return empty_; }       // kRead on a database without schema
  int version() const { return version_; }    // schema version (kRead may see older)
  Status Error(std::string_view what) const;  // "journal <path>: <what>: <sqlite msg>"

 private:
  Store() = default;
  Status Validate(Mode mode);
  Status Exec(const char* sql);
  Status ExecWhenFree(const char* sql);  // Exec, waiting out SQLITE_BUSY
  Status Prepare(const char* sql, sqlite3_stmt** stmt);
  Status PrepareInserts();
  Status InsertSession(const Record* const* recs, size_t n);
  Status InsertChunk(std::string_view session, int64_t first, int64_t last, std::string_view lines);
  Status DeriveSession(const Record& rec);

  sqlite3* db_ = nullptr;                          // the connection
  std::string path_;                               // journal file, for messages
  bool empty_ = false;                             // see empty()
  int version_ = kSchemaVersion;                   // see version()
  const std::atomic<bool>* abort_wait_ = nullptr;  // see Open
  sqlite3_stmt* insert_chunk_ = nullptr;           // INSERT INTO chunks
  sqlite3_stmt* last_seq_ = nullptr;               // a session's last stored seq
  sqlite3_stmt* insert_session_ = nullptr;         // first event of a session
  sqlite3_stmt* start_session_ = nullptr;          // session_start details
  sqlite3_stmt* end_session_ = nullptr;            // session_end / connect_failed
};

// Creates `dir` and its missing parents with mode 0700.
Status MakeDirs(const std::string& dir);

}  // namespace pqward::journal
