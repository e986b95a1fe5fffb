// The SQLite journal file: schema, validation of foreign or newer files, and
// batched idempotent inserts. The events table is the record; the sessions
// table is derived from session_start / session_end events for listing.
#include "journal/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "journal/chain_hash.h"

namespace pqward::journal {

namespace {

constexpr int kBusyWaitMs = 5000;

const char kSchema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO meta VALUES('application','pqward'),('schema_version','1');"
    "CREATE TABLE events("
    " session TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,"
    " started_at INTEGER NOT NULL, body TEXT NOT NULL, prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL, PRIMARY KEY(session, seq)) WITHOUT ROWID;"
    "CREATE TABLE sessions("
    " session TEXT PRIMARY KEY, started_at INTEGER NOT NULL, ended_at INTEGER,"
    " status TEXT, pid INTEGER, exe TEXT, argv TEXT, os_user TEXT, client_host TEXT,"
    " server_host TEXT, server_port INTEGER, dbname TEXT, db_user TEXT,"
    " application_name TEXT, pqward_version TEXT, actor TEXT);";

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

Record MakeRecord(const Event& ev, std::string_view body) {
  Record r;
  r.line.reserve(ev.hash.size() + ev.prev_hash.size() + body.size() + 3);
  r.line.append(ev.hash).push_back('\t');
  r.line.append(ev.prev_hash).push_back('\t');
  r.body_off = r.line.size();
  r.line.append(body).push_back('\n');
  r.session = ev.session;
  r.seq = ev.seq;
  r.kind = ev.kind;
  r.started_at = ev.started_at_us;
  return r;
}

bool ParseRecordLine(std::string_view line, Record* out) {
  if (line.size() < 67 || line[64] != '\t') return false;
  size_t tab = line.find('\t', 65);
  if (tab == std::string_view::npos || (tab != 65 && tab != 129)) return false;
  std::string_view hash = line.substr(0, 64);
  std::string_view prev = line.substr(65, tab - 65);
  std::string_view body = line.substr(tab + 1);
  if (ChainHash(prev, body) != hash) return false;
  Event ev;
  if (!ParseCanonicalJson(body, &ev)) return false;
  out->line.assign(line).push_back('\n');
  out->body_off = tab + 1;
  out->session = std::move(ev.session);
  out->seq = ev.seq;
  out->kind = std::move(ev.kind);
  out->started_at = ev.started_at_us;
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
    PQWARD_RETURN_IF_ERROR(s->Exec("PRAGMA journal_mode=WAL"));
    PQWARD_RETURN_IF_ERROR(s->Exec("PRAGMA synchronous=NORMAL"));
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
      if (app != "pqward" || v < 1) {
        s = Status::Journal("journal " + path_ + ": is a SQLite database but not a pqward journal");
      } else if (v > kSchemaVersion) {
        s = Status::Journal("journal " + path_ + ": schema version " + version +
                            " is newer than this pqward supports (" +
                            std::to_string(kSchemaVersion) + "); upgrade pqward");
      }
    }
  }
  if (s.ok()) return Exec("COMMIT");
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return s;
}

Store::~Store() {
  for (sqlite3_stmt* st : {insert_event_, insert_session_, start_session_, end_session_}) {
    sqlite3_finalize(st);
  }
  sqlite3_close_v2(db_);
}

Status Store::Insert(const std::vector<Record>& batch) {
  if (insert_event_ == nullptr) {
    PQWARD_RETURN_IF_ERROR(
        Prepare("INSERT OR IGNORE INTO events(session,seq,kind,started_at,body,prev_hash,hash)"
                " VALUES(?,?,?,?,?,?,?)",
                &insert_event_));
    PQWARD_RETURN_IF_ERROR(Prepare("INSERT OR IGNORE INTO sessions(session,started_at) VALUES(?,?)",
                                   &insert_session_));
    PQWARD_RETURN_IF_ERROR(
        Prepare("UPDATE sessions SET started_at=?2,pid=?3,exe=?4,argv=?5,os_user=?6,client_host=?7,"
                "server_host=?8,server_port=?9,dbname=?10,db_user=?11,application_name=?12,"
                "pqward_version=?13,actor=?14 WHERE session=?1",
                &start_session_));
    PQWARD_RETURN_IF_ERROR(
        Prepare("UPDATE sessions SET ended_at=?2,status=?3 WHERE session=?1", &end_session_));
  }
  PQWARD_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  for (const Record& rec : batch) {
    Status s = InsertOne(rec);
    if (!s.ok()) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return s;
    }
  }
  Status s = Exec("COMMIT");
  if (!s.ok()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return s;
}

Status Store::InsertOne(const Record& rec) {
  sqlite3_stmt* st = insert_event_;
  BindText(st, 1, rec.session);
  sqlite3_bind_int64(st, 2, rec.seq);
  BindText(st, 3, rec.kind);
  sqlite3_bind_int64(st, 4, rec.started_at);
  BindText(st, 5, rec.body());
  BindText(st, 6, rec.prev_hash());
  BindText(st, 7, rec.hash());
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return Error("insert event");
  if (rec.seq == 0) {
    BindText(insert_session_, 1, rec.session);
    sqlite3_bind_int64(insert_session_, 2, rec.started_at);
    rc = sqlite3_step(insert_session_);
    sqlite3_reset(insert_session_);
    if (rc != SQLITE_DONE) return Error("insert session");
  }
  if (rec.kind == "session_start" || rec.kind == "session_end" || rec.kind == "connect_failed") {
    return DeriveSession(rec);
  }
  return Status::OK();
}

// Copies session_start's extra into the sessions row, or the end time and
// status of session_end / connect_failed.
Status Store::DeriveSession(const Record& rec) {
  Event ev;
  if (!ParseCanonicalJson(rec.body(), &ev)) return Status::OK();  // hashed, so stored as is
  sqlite3_stmt* st;
  if (rec.kind == "session_start") {
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
    std::string status = !ev.status.empty()          ? ev.status
                         : rec.kind == "session_end" ? "ended"
                                                     : rec.kind;
    if (rec.kind == "connect_failed") status = "connect_failed";
    BindText(st, 3, status);
  }
  BindText(st, 1, rec.session);
  int rc = sqlite3_step(st);
  sqlite3_clear_bindings(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? Status::OK() : Error("update session");
}

}  // namespace pqward::journal
