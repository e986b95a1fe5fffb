// Store: the SQLite side of the journal (private to journal/). Opens and
// validates a journal file (schema version, "is this a pqward journal"),
// creates the schema on first use (upgrading schema 1 in place) and inserts
// batches of spooled records idempotently. One Store is used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "journal/event.h"
#include "journal/recorder.h"
#include "util/status.h"

namespace pqward::journal {

inline constexpr int kSchemaVersion = 2;

// What storing a record adds to the sessions table besides its first row.
enum class Derive : uint8_t { kNone, kStart, kEnd, kFailed };
Derive DeriveOf(std::string_view kind);  // session_start, session_end, connect_failed

// Events on their way into SQLite: their lines back to back in one buffer,
// "<hash>\t<prev_hash>\t<session>\t<canonical json>\n" each. A line is made
// *unsealed* from a spooled record (spool_record.h): its hash is kUnsealed
// and its prev_hash empty until the writer hashes it (Seal). Spools of
// earlier builds hold such lines themselves, and those of pqward 0.1.0
// sealed ones without a session field (rewritten when read back).
// Cleared batches keep their memory, so the writer allocates nothing per
// event once warm.
class Batch {
 public:
  struct Entry {
    size_t off = 0;          // where the line starts in the batch
    size_t len = 0;          // with its '\n'
    size_t body_off = 0;     // canonical json, from the line's start
    size_t session_len = 0;  // the session field ends just before the body
    int64_t seq = 0;
    Derive derive = Derive::kNone;
    bool sealed = false;  // the line's first 64 bytes are its hash
  };

  // Appends `line` (with its '\n'); `e`'s offsets are relative to the line.
  void Add(std::string_view line, Entry e);
  // Appends the unsealed line of event `ev` (its seq and session set).
  void AddUnsealed(const EventView& ev);
  void clear() {
    bytes_.clear();
    entries_.clear();
  }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  const std::vector<Entry>& entries() const { return entries_; }

  std::string_view line(const Entry& e) const {
    return std::string_view(bytes_).substr(e.off, e.len);
  }
  std::string_view session(const Entry& e) const {
    return line(e).substr(e.body_off - e.session_len - 1, e.session_len);
  }
  std::string_view body(const Entry& e) const {
    return line(e).substr(e.body_off, e.len - e.body_off - 1);
  }
  // Writes entry i's hash (64 hex digits) over its placeholder.
  void Seal(size_t i, const char* hash);

 private:
  std::string bytes_;
  std::vector<Entry> entries_;
};

// The fields of a spool line (without its '\n'). `session` is empty in lines
// written by pqward 0.1.0, whose bodies all carry their session.
struct LineFields {
  std::string_view hash, prev, session, body;
};

// The hash field of an unsealed spool line.
inline constexpr std::string_view kUnsealed =
    "----------------------------------------------------------------";

// The newest sealed event of each session a writer has seen: the chain's
// tips, so that sealing a session's next event needs no lookup.
struct ChainTip {
  int64_t seq = -1;
  std::string hash;
};
using ChainTips = std::map<std::string, ChainTip, std::less<>>;

// The lines of a chunk (chunks.lines), without their '\n'.
std::vector<std::string_view> ChunkLines(std::string_view text);

// Splits a spool line (without its '\n'); false if it does not have the shape.
bool SplitLine(std::string_view line, LineFields* out);

// Parses one spool line (without its '\n') and adds it to *out; false if it
// is torn, or sealed and does not hash to its own hash.
bool ParseRecordLine(std::string_view line, Batch* out);

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

  // Hashes the unsealed entries of `batch` in order, each chained to its
  // session's previous event: from `tips`, else (a session this writer has
  // not seen, e.g. a dead process's spool) from the journal. Fails, leaving
  // the rest unsealed, when that previous event is in neither yet.
  Status Seal(Batch* batch, ChainTips* tips);

  // Appends the records that are not stored yet (as chunks) and derives the
  // sessions table, in one transaction. On error nothing is written.
  // Every entry must be sealed.
  Status Insert(const Batch& batch);

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
  Status InsertSession(const Batch& batch, const Batch::Entry* const* recs, size_t n);
  Status InsertChunk(std::string_view session, int64_t first, int64_t last, std::string_view lines);
  Status DeriveSession(const Batch& batch, const Batch::Entry& rec);
  Status StoredHash(std::string_view session, int64_t seq, std::string* hash);
  Status PrevHash(std::string_view session, int64_t seq, ChainTip* tip);

  sqlite3* db_ = nullptr;                          // the connection
  std::string path_;                               // journal file, for messages
  bool empty_ = false;                             // see empty()
  int version_ = kSchemaVersion;                   // see version()
  const std::atomic<bool>* abort_wait_ = nullptr;  // see Open
  sqlite3_stmt* insert_chunk_ = nullptr;           // INSERT INTO chunks
  sqlite3_stmt* last_seq_ = nullptr;               // a session's last stored seq
  sqlite3_stmt* chunk_of_ = nullptr;               // the chunk holding a seq
  sqlite3_stmt* insert_session_ = nullptr;         // first event of a session
  sqlite3_stmt* start_session_ = nullptr;          // session_start details
  sqlite3_stmt* end_session_ = nullptr;            // session_end / connect_failed
};

// Creates `dir` and its missing parents with mode 0700.
Status MakeDirs(const std::string& dir);

}  // namespace pqward::journal
