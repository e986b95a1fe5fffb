// The SQLite journal file: schema, validation of foreign or newer files, and
// batched idempotent inserts. The events table is the record; the sessions
// table is derived from session_start / session_end events for listing.
#include "journal/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "journal/chain_hash.h"

namespace pqward::journal {

namespace {

constexpr int kBusyWaitMs = 5000;

// Events are stored in chunks: one row holds up to kChunkEvents consecutive
// events of one session, one line each, so that storing an event costs a
// memcpy rather than a B-tree insert (docs/journal.md, "Schema"). A stored
// line is "<hash>\t\t\t<body>": its previous hash and session are implied by
// the line before it and by the row. The `events` view gives one row per
// event for ad-hoc SQL.
#define PQWARD_EVENTS_VIEW                                                             \
  "CREATE VIEW events(session, seq, kind, started_at, body, prev_hash, hash) AS"       \
  " WITH RECURSIVE split(session, line, rest) AS ("                                    \
  "  SELECT session, NULL, lines FROM chunks UNION ALL"                                \
  "  SELECT session, substr(rest, 1, instr(rest, char(10)) - 1),"                      \
  "   substr(rest, instr(rest, char(10)) + 1) FROM split WHERE rest <> ''),"           \
  " fields(session, hash, prev, body) AS ("                                            \
  "  SELECT session, hash, prev, substr(rest, instr(rest, char(9)) + 1) FROM ("        \
  "   SELECT session, substr(line, 1, 64) AS hash,"                                    \
  "    substr(line, 66, instr(substr(line, 66), char(9)) - 1) AS prev,"                \
  "    substr(line, 66 + instr(substr(line, 66), char(9))) AS rest"                    \
  "   FROM split WHERE line IS NOT NULL))"                                             \
  " SELECT session, json_extract(body, '$.seq') AS seq, json_extract(body, '$.kind')," \
  "  json_extract(body, '$.started_at'), body,"                                        \
  "  CASE WHEN prev <> '' THEN prev ELSE coalesce(lag(hash) OVER"                      \
  "   (PARTITION BY session ORDER BY json_extract(body, '$.seq')), '') END, hash"      \
  " FROM fields;"

#define PQWARD_CHUNKS_TABLE                                                \
  "CREATE TABLE chunks(session TEXT NOT NULL, first_seq INTEGER NOT NULL," \
  " last_seq INTEGER NOT NULL, lines TEXT NOT NULL, UNIQUE(session, first_seq));"

const char kSchema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO meta VALUES('application','pqward'),('schema_version','2');" PQWARD_CHUNKS_TABLE
    "CREATE TABLE sessions("
    " session TEXT PRIMARY KEY, started_at INTEGER NOT NULL, ended_at INTEGER,"
    " status TEXT, pid INTEGER, exe TEXT, argv TEXT, os_user TEXT, client_host TEXT,"
    " server_host TEXT, server_port INTEGER, dbname TEXT, db_user TEXT,"
    " application_name TEXT, pqward_version TEXT, actor TEXT);" PQWARD_EVENTS_VIEW;

// Schema 1 (pqward 0.1.0) kept one row per event; its rows become one chunk
// per session, their lines byte for byte what was hashed.
const char kUpgradeFrom1[] = PQWARD_CHUNKS_TABLE
    "INSERT INTO chunks(session, first_seq, last_seq, lines)"
    " SELECT session, min(seq), max(seq),"
    "  group_concat(hash || char(9) || prev_hash || char(9) || session || char(9) || body ||"
    "  char(10), '')"
    " FROM (SELECT * FROM events ORDER BY session, seq) GROUP BY session;"
    "DROP TABLE events;" PQWARD_EVENTS_VIEW
    "UPDATE meta SET value = '2' WHERE key = 'schema_version';";

// A new journal's page size, and its WAL's checkpoint threshold in those
// pages (4 MiB, as with SQLite's default 1000 pages of 4 KiB). Chunk rows
// are tens of KiB: on 4 KiB pages each spanned an overflow chain, and the
// writer made one pwrite per page, twice (WAL, then checkpoint). 64 KiB
// pages cut those calls about tenfold (docs/performance.md, "Runs N and O").
constexpr char kPageSizePragma[] = "PRAGMA page_size=65536";
constexpr char kCheckpointPragma[] = "PRAGMA wal_autocheckpoint=64";
constexpr size_t kChunkEvents = 64;      // events per chunk row at most...
constexpr size_t kChunkBytes = 1 << 16;  // ...and about this many bytes

// A session's chunks hold seq 0..last_seq without gaps, so its last stored
// seq, and the chunk holding a seq, are found by one descending step of the
// (session, first_seq) index. A condition on last_seq instead (max(last_seq),
// or last_seq >= ?) read every chunk row of the session, 64 KiB each, at
// every batch: the writer's cost grew with the session's length.
constexpr char kLastSeqSql[] =
    "SELECT last_seq FROM chunks WHERE session=? ORDER BY first_seq DESC LIMIT 1";
constexpr char kChunkOfSql[] =
    "SELECT first_seq, last_seq, lines FROM chunks WHERE session=?1 AND first_seq<=?2"
    " ORDER BY first_seq DESC LIMIT 1";

// Keys of session_start's extra copied into sessions columns of the same name.
const char* const kSessionKeys[] = {
    "pid",         "exe",    "argv",    "os_user",          "client_host",    "server_host",
    "server_port", "dbname", "db_user", "application_name", "pqward_version", "actor"};

int BusyHandler(void* arg, int count) {
  auto* abort_wait = static_cast<const std::atomic<bool>*>(arg);
  if (abort_wait != nullptr && abort_wait->load()) return 0;
  if (count * 5 >= kBusyWaitMs) return 0;  // ~5 s in 5 ms steps
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return 1;
}

// A file that exists, is not empty and does not start with SQLite's magic.
bool IsForeignFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char magic[16] = {};
  ssize_t n = read(fd, magic, sizeof magic);
  close(fd);
  return n > 0 && (n < 16 || memcmp(magic, "SQLite format 3", 16) != 0);
}

void BindText(sqlite3_stmt* st, int i, std::string_view s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

// For values that outlive the sqlite3_step that reads them: no copy.
void BindStatic(sqlite3_stmt* st, int i, std::string_view s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}

void BindJson(sqlite3_stmt* st, int i, const nlohmann::json* j) {
  if (j == nullptr || j->is_null()) {
    sqlite3_bind_null(st, i);
  } else if (j->is_string()) {
    BindText(st, i, j->get_ref<const std::string&>());
  } else if (j->is_number_integer()) {
    sqlite3_bind_int64(st, i, j->get<int64_t>());
  } else {
    BindText(st, i, j->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

}  // namespace

Derive DeriveOf(std::string_view kind) {
  if (kind == "session_start") return Derive::kStart;
  if (kind == "session_end") return Derive::kEnd;
  if (kind == "connect_failed") return Derive::kFailed;
  return Derive::kNone;
}

void Batch::Add(std::string_view line, Entry e) {
  e.off = bytes_.size();
  e.len = line.size();
  bytes_.append(line);
  entries_.push_back(e);
}

void Batch::AddUnsealed(const EventView& ev) {
  Entry e;
  e.off = bytes_.size();
  bytes_.append(kUnsealed).append("\t\t").append(ev.session).push_back('\t');
  e.body_off = bytes_.size() - e.off;
  AppendCanonicalJson(ev, &bytes_);
  bytes_.push_back('\n');
  e.len = bytes_.size() - e.off;
  e.session_len = ev.session.size();
  e.seq = ev.seq;
  e.derive = DeriveOf(ev.kind);
  entries_.push_back(e);
}

void Batch::Seal(size_t i, const char* hash) {
  Entry& e = entries_[i];
  std::memcpy(bytes_.data() + e.off, hash, 64);
  e.sealed = true;
}

std::vector<std::string_view> ChunkLines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

bool SplitLine(std::string_view line, LineFields* out) {
  if (line.size() < 67 || line[64] != '\t') return false;
  size_t tab = line.find('\t', 65);
  if (tab == std::string_view::npos || (tab != 65 && tab != 129)) return false;
  out->hash = line.substr(0, 64);
  out->prev = line.substr(65, tab - 65);
  out->body = line.substr(tab + 1);
  out->session = {};
  if (!out->body.empty() && out->body[0] != '{') {  // a session field
    size_t end = out->body.find('\t');
    if (end == std::string_view::npos) return false;
    out->session = out->body.substr(0, end);
    out->body = out->body.substr(end + 1);
  }
  return !out->body.empty() && out->body[0] == '{';
}

bool ParseRecordLine(std::string_view line, Batch* out) {
  LineFields f;
  if (!SplitLine(line, &f)) return false;
  Batch::Entry e;
  e.sealed = f.hash != kUnsealed;
  if (e.sealed && ChainHash(f.prev, f.body) != f.hash) return false;
  if (!e.sealed && (!f.prev.empty() || f.session.empty())) return false;
  Event ev;
  if (!ParseCanonicalJson(f.body, &ev)) return false;
  e.seq = ev.seq;
  e.derive = DeriveOf(ev.kind);
  std::string rewritten;
  if (f.session.empty()) {  // a pqward 0.1.0 line: rewrite it with its session
    if (ev.session.empty()) return false;
    rewritten.assign(line.substr(0, static_cast<size_t>(f.body.data() - line.data())));
    rewritten.append(ev.session).push_back('\t');
    e.body_off = rewritten.size();
    rewritten.append(f.body);
    e.session_len = ev.session.size();
  } else {
    rewritten.assign(line);
    e.body_off = static_cast<size_t>(f.body.data() - line.data());
    e.session_len = f.session.size();
  }
  rewritten.push_back('\n');
  out->Add(rewritten, e);
  return true;
}

Status MakeDirs(const std::string& dir) {
  if (dir.empty()) return Status::OK();
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::OK();
    return Status::Journal(dir + ": not a directory");
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    PQWARD_RETURN_IF_ERROR(MakeDirs(dir.substr(0, slash)));
  }
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Journal(dir + ": cannot create directory: " + strerror(errno));
  }
  return Status::OK();
}

Status Store::Error(std::string_view what) const {
  std::string msg = "journal " + path_ + ": " + std::string(what);
  if (db_ != nullptr) msg += std::string(": ") + sqlite3_errmsg(db_);
  return Status::Journal(msg);
}

Status Store::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::OK();
  std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  if (rc == SQLITE_NOTADB) msg = "not a SQLite database";
  return Status::Journal("journal " + path_ + ": " + msg);
}

// Switching a new file to WAL needs an exclusive lock, and SQLite returns
// SQLITE_BUSY for it without calling the busy handler when several processes
// open a new journal at once; so this retries through that same handler.
Status Store::ExecWhenFree(const char* sql) {
  void* abort_wait = const_cast<std::atomic<bool>*>(abort_wait_);
  for (int count = 0;; ++count) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    bool busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
    if (!busy || BusyHandler(abort_wait, count) == 0) {
      return rc == SQLITE_OK ? Status::OK() : Error(sql);
    }
  }
}

Status Store::Prepare(const char* sql, sqlite3_stmt** stmt) {
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr) != SQLITE_OK) {
    return Error("prepare");
  }
  return Status::OK();
}

Status Store::Open(const std::string& path, Mode mode, std::unique_ptr<Store>* out,
                   const std::atomic<bool>* abort_wait) {
  std::unique_ptr<Store> s(new Store());
  s->path_ = path;
  s->abort_wait_ = abort_wait;
  struct stat st;
  bool exists = stat(path.c_str(), &st) == 0;
  if (mode == Mode::kRead && !exists)
    return Status::NotFound("journal " + path + ": does not exist");
  if (exists && S_ISDIR(st.st_mode)) return Status::Journal("journal " + path + ": is a directory");
  if (IsForeignFile(path)) {
    return Status::Journal("journal " + path + ": not a SQLite database (not a pqward journal)");
  }
  if (mode == Mode::kWrite) {
    size_t slash = path.find_last_of('/');
    if (slash != std::string::npos && slash > 0) {
      PQWARD_RETURN_IF_ERROR(MakeDirs(path.substr(0, slash)).Wrap("journal " + path));
    }
    // Created 0600 before SQLite opens it; SQLite gives -wal and -shm the
    // same mode. The journal holds who ran what: it is the user's alone.
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) close(fd);
  }
  int flags =
      SQLITE_OPEN_NOMUTEX |
      (mode == Mode::kWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
  int rc = sqlite3_open_v2(path.c_str(), &s->db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string cause = s->db_ != nullptr ? sqlite3_errmsg(s->db_) : sqlite3_errstr(rc);
    if (exists && errno != 0 && rc == SQLITE_CANTOPEN)
      cause += std::string(" (") + strerror(errno) + ")";
    return Status::Journal("journal " + path + ": cannot open: " + cause);
  }
  sqlite3_extended_result_codes(s->db_, 1);
  sqlite3_busy_handler(s->db_, BusyHandler, const_cast<std::atomic<bool>*>(abort_wait));
  // Closing must stay cheap (it happens at every fork): no checkpoint on close.
  sqlite3_db_config(s->db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  if (mode == Mode::kWrite) {
    PQWARD_RETURN_IF_ERROR(s->Exec(kPageSizePragma));  // no-op on an existing journal
    PQWARD_RETURN_IF_ERROR(s->ExecWhenFree("PRAGMA journal_mode=WAL"));
    PQWARD_RETURN_IF_ERROR(s->Exec("PRAGMA synchronous=NORMAL"));
    PQWARD_RETURN_IF_ERROR(s->Exec(kCheckpointPragma));
  }
  PQWARD_RETURN_IF_ERROR(s->Validate(mode));
  *out = std::move(s);
  return Status::OK();
}

// Checks that the file is a pqward journal this version can read; creates the
// schema in an empty database (kWrite), inside one transaction so that two
// processes creating the same journal do not race.
Status Store::Validate(Mode mode) {
  PQWARD_RETURN_IF_ERROR(Exec(mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"));
  sqlite3_stmt* st = nullptr;
  Status s;
  int tables = 0;
  bool has_meta = false;
  if (sqlite3_prepare_v2(db_, "SELECT name FROM sqlite_master WHERE type='table'", -1, &st,
                         nullptr) != SQLITE_OK) {
    s = sqlite3_errcode(db_) == SQLITE_NOTADB
            ? Status::Journal("journal " + path_ + ": not a SQLite database")
            : Error("read schema");
  } else {
    while (sqlite3_step(st) == SQLITE_ROW) {
      ++tables;
      const char* name = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      if (name != nullptr && strcmp(name, "meta") == 0) has_meta = true;
    }
    if (sqlite3_finalize(st) != SQLITE_OK) {
      s = sqlite3_errcode(db_) == SQLITE_NOTADB
              ? Status::Journal("journal " + path_ + ": not a SQLite database")
              : Error("read schema");
    }
  }
  if (s.ok() && tables == 0) {
    if (mode == Mode::kWrite) {
      s = Exec(kSchema);
      version_ = kSchemaVersion;
    } else {
      empty_ = true;
    }
  } else if (s.ok() && !has_meta) {
    s = Status::Journal("journal " + path_ +
                        ": is a SQLite database but not a pqward journal (no meta table)");
  } else if (s.ok()) {
    std::string app, version;
    if (sqlite3_prepare_v2(db_, "SELECT key, value FROM meta", -1, &st, nullptr) != SQLITE_OK) {
      s = Error("read meta");
    } else {
      while (sqlite3_step(st) == SQLITE_ROW) {
        const char* k = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        const char* v = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
        if (k == nullptr || v == nullptr) continue;
        if (strcmp(k, "application") == 0) app = v;
        if (strcmp(k, "schema_version") == 0) version = v;
      }
      sqlite3_finalize(st);
      long v = version.empty() ? 0 : strtol(version.c_str(), nullptr, 10);
      version_ = static_cast<int>(v);
      if (app != "pqward" || v < 1) {
        s = Status::Journal("journal " + path_ + ": is a SQLite database but not a pqward journal");
      } else if (v > kSchemaVersion) {
        s = Status::Journal("journal " + path_ + ": schema version " + version +
                            " is newer than this pqward supports (" +
                            std::to_string(kSchemaVersion) + "); upgrade pqward");
      } else if (v == 1 && mode == Mode::kWrite) {
        s = Exec(kUpgradeFrom1);
        version_ = kSchemaVersion;
      }
    }
  }
  if (s.ok()) return Exec("COMMIT");
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return s;
}

Store::~Store() {
  for (sqlite3_stmt* st :
       {insert_chunk_, last_seq_, chunk_of_, insert_session_, start_session_, end_session_}) {
    sqlite3_finalize(st);
  }
  sqlite3_close_v2(db_);
}

Status Store::PrepareInserts() {
  if (insert_chunk_ != nullptr) return Status::OK();
  PQWARD_RETURN_IF_ERROR(Prepare(
      "INSERT INTO chunks(session,first_seq,last_seq,lines) VALUES(?,?,?,?)", &insert_chunk_));
  PQWARD_RETURN_IF_ERROR(Prepare(kLastSeqSql, &last_seq_));
  PQWARD_RETURN_IF_ERROR(Prepare(kChunkOfSql, &chunk_of_));
  PQWARD_RETURN_IF_ERROR(
      Prepare("INSERT OR IGNORE INTO sessions(session,started_at) VALUES(?,?)", &insert_session_));
  PQWARD_RETURN_IF_ERROR(
      Prepare("UPDATE sessions SET started_at=?2,pid=?3,exe=?4,argv=?5,os_user=?6,client_host=?7,"
              "server_host=?8,server_port=?9,dbname=?10,db_user=?11,application_name=?12,"
              "pqward_version=?13,actor=?14 WHERE session=?1",
              &start_session_));
  return Prepare("UPDATE sessions SET ended_at=?2,status=?3 WHERE session=?1", &end_session_);
}

// The stored hash of event `seq` of `session`: the first 64 bytes of its
// line in the chunk that holds it. NotFound when the journal has no such event.
Status Store::StoredHash(std::string_view session, int64_t seq, std::string* hash) {
  PQWARD_RETURN_IF_ERROR(PrepareInserts());
  BindStatic(chunk_of_, 1, session);
  sqlite3_bind_int64(chunk_of_, 2, seq);
  int rc = sqlite3_step(chunk_of_);
  Status s = rc == SQLITE_ROW || rc == SQLITE_DONE ? Status::NotFound("no stored event")
                                                   : Error("read chunk");
  if (rc == SQLITE_ROW && sqlite3_column_int64(chunk_of_, 1) >= seq) {  // the chunk holds seq
    int64_t first = sqlite3_column_int64(chunk_of_, 0);
    auto* text = reinterpret_cast<const char*>(sqlite3_column_text(chunk_of_, 2));
    std::string_view lines(text != nullptr ? text : "",
                           static_cast<size_t>(sqlite3_column_bytes(chunk_of_, 2)));
    std::vector<std::string_view> all = ChunkLines(lines);
    auto i = static_cast<size_t>(seq - first);
    s = i < all.size() && all[i].size() >= 64 ? Status::OK()
                                              : Status::Corrupt("chunk without that event");
    if (s.ok()) hash->assign(all[i].substr(0, 64));
  }
  sqlite3_reset(chunk_of_);
  sqlite3_clear_bindings(chunk_of_);
  return s;
}

// The hash event `seq` of `session` chains to (its predecessor's), from the
// tip or the journal; "" for a session's first event.
Status Store::PrevHash(std::string_view session, int64_t seq, ChainTip* tip) {
  if (tip->seq == seq - 1) return Status::OK();
  tip->hash.clear();
  if (seq == 0) return Status::OK();
  Status s = StoredHash(session, seq - 1, &tip->hash);
  if (s.code() != Status::Code::kNotFound) return s;
  return Status::Journal("journal " + path_ + ": event " + std::to_string(seq) + " of session " +
                         std::string(session) + " has no stored predecessor yet");
}

Status Store::Seal(Batch* batch, ChainTips* tips) {
  const std::vector<Batch::Entry>& entries = batch->entries();
  char hash[64];
  for (size_t i = 0; i < entries.size(); ++i) {
    const Batch::Entry& e = entries[i];
    if (e.sealed) continue;
    std::string_view session = batch->session(e);
    auto tip = tips->find(session);
    if (tip == tips->end()) tip = tips->emplace(std::string(session), ChainTip()).first;
    Status s = PrevHash(session, e.seq, &tip->second);
    if (!s.ok()) {
      tips->erase(tip);
      return s;
    }
    if (!ChainHashTo(tip->second.hash, batch->body(e), hash)) {
      return Status::Internal("journal: SHA-256 failed");
    }
    batch->Seal(i, hash);
    if (e.derive == Derive::kEnd || e.derive == Derive::kFailed) {
      tips->erase(tip);  // the session's last event
    } else {
      tip->second.seq = e.seq;
      tip->second.hash.assign(hash, sizeof hash);
    }
  }
  return Status::OK();
}

Status Store::Insert(const Batch& batch) {
  PQWARD_RETURN_IF_ERROR(PrepareInserts());
  // Each session's records in seq order (the spool's order), sessions apart.
  std::vector<const Batch::Entry*> order;
  order.reserve(batch.size());
  for (const Batch::Entry& e : batch.entries()) order.push_back(&e);
  auto by_session = [&](const Batch::Entry* a, const Batch::Entry* b) {
    return batch.session(*a) < batch.session(*b);
  };
  if (!std::is_sorted(order.begin(), order.end(), by_session)) {
    std::stable_sort(order.begin(), order.end(), by_session);
  }
  PQWARD_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status s;
  for (size_t i = 0, j = 0; s.ok() && i < order.size(); i = j) {
    while (j < order.size() && batch.session(*order[j]) == batch.session(*order[i])) ++j;
    s = InsertSession(batch, order.data() + i, j - i);
  }
  if (s.ok()) s = Exec("COMMIT");
  if (!s.ok()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return s;
}

// Appends one session's records as chunks. Records the journal already has
// (a spool drained again after a crash) are skipped, which makes it
// idempotent: a session's chunks always hold seq 0..last_seq.
Status Store::InsertSession(const Batch& batch, const Batch::Entry* const* recs, size_t n) {
  std::string_view session = batch.session(*recs[0]);
  BindStatic(last_seq_, 1, session);
  int rc = sqlite3_step(last_seq_);
  int64_t stored = rc == SQLITE_ROW ? sqlite3_column_int64(last_seq_, 0) : -1;
  sqlite3_reset(last_seq_);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error("read last stored event");
  std::string lines;
  int64_t first = -1, last = -1;
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) {
    const Batch::Entry& rec = *recs[i];
    if (rec.seq <= stored) continue;
    if (count == kChunkEvents || lines.size() >= kChunkBytes) {
      PQWARD_RETURN_IF_ERROR(InsertChunk(session, first, last, lines));
      lines.clear();
      count = 0;
    }
    if (count++ == 0) first = rec.seq;
    last = rec.seq;
    lines.append(batch.line(rec).substr(0, 64)).append("\t\t\t").append(batch.body(rec));
    lines.push_back('\n');
    PQWARD_RETURN_IF_ERROR(DeriveSession(batch, rec));
  }
  return count > 0 ? InsertChunk(session, first, last, lines) : Status::OK();
}

Status Store::InsertChunk(std::string_view session, int64_t first, int64_t last,
                          std::string_view lines) {
  sqlite3_stmt* st = insert_chunk_;
  BindStatic(st, 1, session);
  sqlite3_bind_int64(st, 2, first);
  sqlite3_bind_int64(st, 3, last);
  BindStatic(st, 4, lines);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);  // nothing keeps pointing into the caller's strings
  return rc == SQLITE_DONE ? Status::OK() : Error("insert events");
}

// Adds the sessions row at a session's first event; copies session_start's
// extra into it, or the end time and status of session_end / connect_failed.
Status Store::DeriveSession(const Batch& batch, const Batch::Entry& rec) {
  if (rec.seq != 0 && rec.derive == Derive::kNone) return Status::OK();
  Event ev;
  if (!ParseCanonicalJson(batch.body(rec), &ev)) return Status::OK();  // hashed, so stored as is
  std::string_view session = batch.session(rec);
  if (rec.seq == 0) {
    BindStatic(insert_session_, 1, session);
    sqlite3_bind_int64(insert_session_, 2, ev.started_at_us);
    int rc = sqlite3_step(insert_session_);
    sqlite3_reset(insert_session_);
    if (rc != SQLITE_DONE) return Error("insert session");
  }
  if (rec.derive == Derive::kNone) return Status::OK();
  sqlite3_stmt* st;
  if (rec.derive == Derive::kStart) {
    st = start_session_;
    sqlite3_bind_int64(st, 2, ev.started_at_us);
    int i = 3;
    for (const char* key : kSessionKeys) {
      const nlohmann::json* v = nullptr;
      if (ev.extra.is_object()) {
        auto it = ev.extra.find(key);
        if (it != ev.extra.end()) v = &*it;
      }
      BindJson(st, i++, v);
    }
  } else {
    st = end_session_;
    sqlite3_bind_int64(st, 2, ev.started_at_us + ev.duration_us);
    std::string status = rec.derive == Derive::kFailed ? "connect_failed"
                         : !ev.status.empty()          ? ev.status
                                                       : "ended";
    BindText(st, 3, status);
  }
  BindText(st, 1, session);
  int rc = sqlite3_step(st);
  sqlite3_clear_bindings(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? Status::OK() : Error("update session");
}

}  // namespace pqward::journal
