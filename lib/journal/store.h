// Store: the SQLite side of the journal (private to journal/). Opens and
// validates a journal file (schema version, "is this a pqward journal"),
// creates the schema on first use and inserts batches of spooled records
// idempotently. One Store is used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "journal/event.h"
#include "util/status.h"

namespace pqward::journal {

inline constexpr int kSchemaVersion = 1;

// One chained event as spooled and stored. `line` is its spool line,
// "<hash>\t<prev_hash>\t<canonical json>\n"; the other fields are copies of
// the body's own fields that the events table keeps as columns.
struct Record {
  std::string line;
  size_t body_off = 0;  // offset of the canonical json in `line`
  std::string session;
  int64_t seq = 0;
  std::string kind;
  int64_t started_at = 0;

  std::string_view hash() const { return std::string_view(line).substr(0, 64); }
  std::string_view prev_hash() const { return std::string_view(line).substr(65, body_off - 66); }
  std::string_view body() const {
    return std::string_view(line).substr(body_off, line.size() - body_off - 1);
  }
};

// Builds the record of an event whose session/seq/prev_hash/hash are set.
Record MakeRecord(const Event& ev, std::string_view body);

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

  // Inserts the records (INSERT OR IGNORE) and derives the sessions table,
  // in one transaction. On error nothing is written.
  Status Insert(const std::vector<Record>& batch);

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }
  bool empty() const { return empty_; }       // kRead on a database without schema
  Status Error(std::string_view what) const;  // "journal <path>: <what>: <sqlite msg>"

 private:
  Store() = default;
  Status Validate(Mode mode);
  Status Exec(const char* sql);
  Status Prepare(const char* sql, sqlite3_stmt** stmt);
  Status InsertOne(const Record& rec);
  Status DeriveSession(const Record& rec);

  sqlite3* db_ = nullptr;                          // the connection
  std::string path_;                               // journal file, for messages
  bool empty_ = false;                             // see empty()
  const std::atomic<bool>* abort_wait_ = nullptr;  // see Open
  sqlite3_stmt* insert_event_ = nullptr;           // INSERT OR IGNORE INTO events
  sqlite3_stmt* insert_session_ = nullptr;         // first event of a session
  sqlite3_stmt* start_session_ = nullptr;          // session_start details
  sqlite3_stmt* end_session_ = nullptr;            // session_end / connect_failed
};

// Creates `dir` and its missing parents with mode 0700.
Status MakeDirs(const std::string& dir);

}  // namespace pqward::journal
