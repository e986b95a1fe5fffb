#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "journal/chain_hash.h"
#include "journal/reader.h"
#include "journal/recorder.h"
#include "journal/spool.h"
#include "journal/spool_record.h"
#include "journal/store.h"

using namespace pqward::journal;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/pqward-journal-test.XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string journal() const { return (path / "journal.db").string(); }
};

Event Query(const std::string& sql) {
  Event ev;
  ev.kind = "query";
  ev.api = "PQexec";
  ev.sql = sql;
  ev.status = "PGRES_COMMAND_OK";
  return ev;
}

// Appends `n` events on a fresh chain through `r`.
Chain AppendN(Recorder* r, int n, const std::string& prefix) {
  Chain chain{NewSessionId(), 0};
  for (int i = 0; i < n; i++) {
    Event ev = Query(prefix + std::to_string(i));
    REQUIRE(r->Append(&chain, &ev).ok());
  }
  return chain;
}

// Records one session of `n` events into `journal` and closes the recorder.
void RecordSession(const std::string& journal, int n, const std::string& prefix) {
  std::unique_ptr<Recorder> r;
  REQUIRE(Recorder::Open(Options{journal, 100, false}, &r).ok());
  AppendN(r.get(), n, prefix);
  REQUIRE(r->Flush().ok());
}

std::vector<Event> ReadAll(const std::string& path) {
  std::unique_ptr<Reader> reader;
  REQUIRE(Reader::Open(path, &reader).ok());
  std::vector<Event> events;
  REQUIRE(reader->Events("", &events).ok());
  return events;
}

pqward::Status VerifyJournal(const std::string& path) {
  std::unique_ptr<Reader> reader;
  REQUIRE(Reader::Open(path, &reader).ok());
  int64_t sessions = 0, events = 0;
  return reader->Verify(&sessions, &events);
}

void Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

int PageSize(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  int size = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return size;
}

// Bytes this process has read with read(2) and pread(2) so far.
uint64_t BytesRead() {
  std::ifstream io("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "rchar:") return value;
  }
  FAIL("no rchar in /proc/self/io");
  return 0;
}

// The stored lines of every event, in chunk order.
std::vector<std::string> StoredLines(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT lines FROM chunks ORDER BY session, first_seq", -1, &st,
                             nullptr) == SQLITE_OK);
  std::vector<std::string> out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    size_t pos = 0;
    for (size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1) {
      out.push_back(text.substr(pos, nl - pos + 1));
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Replaces the one session's chunks by a single chunk of `lines`, as someone
// editing the file would.
void StoreLines(const std::string& path, const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_exec(db, "DELETE FROM chunks", nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_prepare_v2(db,
                             "INSERT INTO chunks SELECT session, 0, ?2, ?1 FROM sessions LIMIT 1",
                             -1, &st, nullptr) == SQLITE_OK);
  sqlite3_bind_text(st, 1, all.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, static_cast<int64_t>(lines.size()) - 1);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace

TEST_CASE("appended events are chained, flushed and read back in order", "[journal]") {
  TempDir dir;
  std::unique_ptr<Recorder> r;
  REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &r).ok());
  Chain chain = AppendN(r.get(), 5, "select ");
  CHECK(chain.next_seq == 5);
  REQUIRE(r->Flush().ok());
  std::vector<Event> events = ReadAll(dir.journal());
  REQUIRE(events.size() == 5);
  CHECK(events[0].prev_hash.empty());
  CHECK(events[1].prev_hash == events[0].hash);
  CHECK(events[4].sql == "select 4");
  CHECK(VerifyJournal(dir.journal()).ok());
}

TEST_CASE("verify names changed, removed and reordered events", "[journal]") {
  TempDir dir;
  RecordSession(dir.journal(), 4, "q");
  std::vector<std::string> lines = StoredLines(dir.journal());
  REQUIRE(lines.size() == 4);
  SECTION("changed") {
    size_t at = lines[2].find("q2");
    REQUIRE(at != std::string::npos);
    lines[2].replace(at, 2, "q9");
    StoreLines(dir.journal(), lines);
    auto st = VerifyJournal(dir.journal());
    CHECK(st.message().find("event 2: hash mismatch") != std::string::npos);
  }
  SECTION("removed") {
    lines.erase(lines.begin() + 1);
    StoreLines(dir.journal(), lines);
    CHECK(VerifyJournal(dir.journal()).message().find("expected event 1") != std::string::npos);
  }
  SECTION("reordered") {
    std::swap(lines[1], lines[2]);
    StoreLines(dir.journal(), lines);
    CHECK_FALSE(VerifyJournal(dir.journal()).ok());
  }
  SECTION("last events cut off, chunk bounds left as they were") {
    Sql(dir.journal(), "update chunks set lines = substr(lines, 1, instr(lines, char(10)))");
    CHECK(VerifyJournal(dir.journal()).message().find("last event") != std::string::npos);
  }
}

TEST_CASE("events are stored in chunks and readable one per row through the view", "[journal]") {
  TempDir dir;
  RecordSession(dir.journal(), 150, "select ");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(dir.journal().c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "SELECT (SELECT count(*) FROM chunks), (SELECT max(last_seq - "
                             "first_seq + 1) FROM chunks), count(*), max(seq), "
                             "sum(kind = 'query'), max(json_extract(body, '$.sql')) FROM events",
                             -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) >= 3);  // 150 events, at most 64 per chunk
  CHECK(sqlite3_column_int(st, 1) <= 64);
  CHECK(sqlite3_column_int(st, 2) == 150);
  CHECK(sqlite3_column_int(st, 3) == 149);
  CHECK(sqlite3_column_int(st, 4) == 150);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 5))) == "select 99");
  sqlite3_finalize(st);
  REQUIRE(
      sqlite3_prepare_v2(db,
                         "SELECT count(*), sum(b.prev_hash = a.hash) FROM events a JOIN events b"
                         " ON b.session = a.session AND b.seq = a.seq + 1",
                         -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) == 149);  // the view shows each event's prev_hash
  CHECK(sqlite3_column_int(st, 1) == 149);
  sqlite3_finalize(st);
  sqlite3_close(db);
  CHECK(VerifyJournal(dir.journal()).ok());
  CHECK(PageSize(dir.journal()) == 65536);  // a new journal: chunk rows fit a page
}

TEST_CASE("continuing a long session reads a few pages, not the session's chunks", "[journal]") {
  TempDir dir;
  std::unique_ptr<Recorder> r;
  REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &r).ok());
  Chain chain = AppendN(r.get(), 64 * 1000, "select ");  // 1,000 chunks, about 13 MB
  REQUIRE(r->Flush().ok());
  r.reset();
  Sql(dir.journal(), "PRAGMA wal_checkpoint(TRUNCATE)");  // the insert must not checkpoint
  std::unique_ptr<Store> store;                           // a new writer: its chain tips are empty
  REQUIRE(Store::Open(dir.journal(), Store::Mode::kWrite, &store).ok());
  Event ev = Query("one more");
  ev.seq = chain.next_seq;
  RecordBuffer record;
  AppendSpoolRecord(chain.session, ev, &record);
  Batch batch;
  REQUIRE(AddSpoolRecords(record.view(), &batch) == 1);
  ChainTips tips;
  uint64_t before = BytesRead();
  REQUIRE(store->Seal(&batch, &tips).ok());  // finds the stored predecessor's hash
  REQUIRE(store->Insert(batch).ok());        // finds the session's last stored seq
  CHECK(BytesRead() - before < (1 << 20));
  store.reset();
  std::vector<Event> events = ReadAll(dir.journal());
  REQUIRE(events.size() == 64 * 1000 + 1);
  CHECK(events.back().sql == "one more");
  CHECK(VerifyJournal(dir.journal()).ok());
}

TEST_CASE("a schema 1 journal (one row per event) is upgraded and still verifies", "[journal]") {
  TempDir dir;
  std::string session = NewSessionId(), prev;
  std::string sql =
      "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "INSERT INTO meta VALUES('application','pqward'),('schema_version','1');"
      "CREATE TABLE events(session TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,"
      " started_at INTEGER NOT NULL, body TEXT NOT NULL, prev_hash TEXT NOT NULL,"
      " hash TEXT NOT NULL, PRIMARY KEY(session, seq)) WITHOUT ROWID;"
      "CREATE TABLE sessions(session TEXT PRIMARY KEY, started_at INTEGER NOT NULL,"
      " ended_at INTEGER, status TEXT, pid INTEGER, exe TEXT, argv TEXT, os_user TEXT,"
      " client_host TEXT, server_host TEXT, server_port INTEGER, dbname TEXT, db_user TEXT,"
      " application_name TEXT, pqward_version TEXT, actor TEXT);"
      "INSERT INTO sessions(session, started_at) VALUES('" +
      session + "', 0);";
  for (int i = 0; i < 3; i++) {
    Event ev = Query("old " + std::to_string(i));
    ev.session = session;
    ev.seq = i;
    std::string body = CanonicalJson(ev);
    std::string hash = ChainHash(prev, body);
    sql += "INSERT INTO events VALUES('" + session + "'," + std::to_string(i) + ",'query',0,'" +
           body + "','" + prev + "','" + hash + "');";
    prev = hash;
  }
  Sql(dir.journal(), sql);
  std::vector<Event> events = ReadAll(dir.journal());  // the reader upgrades it
  REQUIRE(events.size() == 3);
  CHECK(events[2].sql == "old 2");
  CHECK(events[2].prev_hash == events[1].hash);
  CHECK(VerifyJournal(dir.journal()).ok());
  std::unique_ptr<Recorder> r;  // and a writer keeps using it
  REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &r).ok());
  AppendN(r.get(), 2, "new ");
  REQUIRE(r->Flush().ok());
  CHECK(ReadAll(dir.journal()).size() == 5);
  CHECK(VerifyJournal(dir.journal()).ok());
  CHECK(PageSize(dir.journal()) == 4096);  // an existing journal keeps its pages
}

TEST_CASE("threads append concurrently without loss", "[journal]") {
  TempDir dir;
  std::unique_ptr<Recorder> r;
  REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &r).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; t++) {
    threads.emplace_back([&, t] {
      Chain chain{NewSessionId(), 0};
      for (int i = 0; i < 250; i++) {
        Event ev = Query("t" + std::to_string(t));
        if (!r->Append(&chain, &ev).ok()) std::abort();
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(r->Flush().ok());
  CHECK(ReadAll(dir.journal()).size() == 2000);
  CHECK(VerifyJournal(dir.journal()).ok());
}

TEST_CASE("a forked child journals its own events, never its parent's twice", "[journal]") {
  TempDir dir;
  std::unique_ptr<Recorder> r;
  REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &r).ok());
  AppendN(r.get(), 3, "parent ");
  pid_t pid = fork();
  if (pid == 0) {
    Chain chain{NewSessionId(), 0};
    Event ev = Query("child");
    _exit(r->Append(&chain, &ev).ok() && r->Flush().ok() ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  REQUIRE(r->Flush().ok());
  std::vector<Event> events = ReadAll(dir.journal());
  CHECK(events.size() == 4);
  CHECK(std::count_if(events.begin(), events.end(),
                      [](const Event& e) { return e.sql == "child"; }) == 1);
}

// Runs work(recorder, chain) in a child process that is then killed with
// SIGKILL (no flush, no exit handlers). work returns false on a failure.
void RecordThenDie(const TempDir& dir, const std::function<bool(Recorder*, Chain*)>& work) {
  pid_t pid = fork();
  if (pid == 0) {
    std::unique_ptr<Recorder> r;
    if (!Recorder::Open(Options{dir.journal(), 100, false}, &r).ok()) _exit(2);
    Chain chain{NewSessionId(), 0};
    if (!work(r.get(), &chain)) _exit(3);
    kill(getpid(), SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
}

bool AppendQuery(Recorder* r, Chain* chain, const std::string& sql) {
  Event ev = Query(sql);
  return r->Append(chain, &ev).ok();
}

TEST_CASE("a killed process's spool is recovered by the next reader", "[journal]") {
  TempDir dir;
  RecordThenDie(dir, [](Recorder* r, Chain* chain) { return AppendQuery(r, chain, "last words"); });
  std::vector<Event> events = ReadAll(dir.journal());
  REQUIRE(events.size() == 1);
  CHECK(events[0].sql == "last words");
  CHECK(fs::is_empty(dir.path / "journal.db.spool"));
}

// The one spool file of a dead process in `dir`.
fs::path OnlySpool(const TempDir& dir) {
  std::vector<fs::path> spools;
  for (const auto& e : fs::directory_iterator(dir.path / "journal.db.spool")) {
    spools.push_back(e.path());
  }
  REQUIRE(spools.size() == 1);
  return spools[0];
}

TEST_CASE("a spool of binary records is named apart from the line spools of earlier builds",
          "[journal]") {
  // Earlier builds drain every .spool file as lines, and would drop binary
  // records: they must not find these. Binary spools that the builds between
  // named .spool are still recovered.
  for (bool old_name : {false, true}) {
    TempDir dir;
    RecordThenDie(dir, [](Recorder* r, Chain* chain) { return AppendQuery(r, chain, "kept"); });
    fs::path spool = OnlySpool(dir);
    CHECK(spool.extension() == ".spool2");
    if (old_name) fs::rename(spool, fs::path(spool).replace_extension(".spool"));
    std::vector<Event> events = ReadAll(dir.journal());
    REQUIRE(events.size() == 1);
    CHECK(events[0].sql == "kept");
    CHECK(fs::is_empty(dir.path / "journal.db.spool"));
  }
}

std::string ReadBytes(std::fstream& f) {
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Where each whole record of a spool's bytes starts, and where they end.
std::vector<size_t> RecordStarts(std::string_view bytes, size_t* end) {
  std::vector<size_t> starts;
  size_t pos = 0;
  for (size_t n; (n = SpoolRecordSize(bytes.substr(pos))) != 0; pos += n) starts.push_back(pos);
  *end = pos;
  return starts;
}

// The spool files of a dead process in `dir` that hold records (an emptied
// spool starts with a zero byte).
std::vector<fs::path> SpoolsWithRecords(const TempDir& dir) {
  std::vector<fs::path> spools;
  for (const auto& e : fs::directory_iterator(dir.path / "journal.db.spool")) {
    std::ifstream f(e.path(), std::ios::binary);
    if (f.peek() != '\0' && f.peek() != EOF) spools.push_back(e.path());
  }
  return spools;
}

TEST_CASE("a spool reused after a drain gives back only what the journal lacks", "[journal]") {
  TempDir dir;
  RecordThenDie(dir, [](Recorder* r, Chain* chain) {
    for (int i = 0; i < 40; i++) {
      if (!AppendQuery(r, chain, "before " + std::to_string(i))) return false;
    }
    // Each drain moves the appends to the other spool and empties the first:
    // after two, the first spool is reused from its start.
    return r->Flush().ok() && AppendQuery(r, chain, "between") && r->Flush().ok() &&
           AppendQuery(r, chain, "after 0") && AppendQuery(r, chain, "after 1");
  });
  std::vector<fs::path> live = SpoolsWithRecords(dir);
  REQUIRE(live.size() == 1);
  fs::path spool = live[0];
  SECTION("the new records end at their zero byte") {}
  SECTION("an append torn over the zero byte exposes older records, which are not read") {
    std::fstream f(spool, std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes = ReadBytes(f);
    size_t zero;
    REQUIRE(RecordStarts(bytes, &zero).size() == 2);
    REQUIRE(bytes[zero] == '\0');
    REQUIRE(bytes.find("before 3", zero) != std::string::npos);  // stale records follow
    f.seekp(static_cast<std::streamoff>(zero));
    f.put('x');
  }
  std::vector<Event> events = ReadAll(dir.journal());
  REQUIRE(events.size() == 43);
  for (size_t i = 0; i < events.size(); i++) CHECK(events[i].seq == static_cast<int64_t>(i));
  CHECK(events[41].sql == "after 0");
  CHECK(events[42].sql == "after 1");
  CHECK(VerifyJournal(dir.journal()).ok());
}

TEST_CASE("a batch that could not be stored and the events after it survive a kill", "[journal]") {
  // The writer moved the appends to its second spool when it took the batch;
  // the journal is locked, so the batch stays in the first: at the kill both
  // spools hold events, the second the successors of the first.
  TempDir dir;
  RecordSession(dir.journal(), 1, "created ");
  RecordThenDie(dir, [&dir](Recorder* r, Chain* chain) {
    sqlite3* lock = nullptr;  // another connection's write lock, held to the end
    if (sqlite3_open(dir.journal().c_str(), &lock) != SQLITE_OK ||
        sqlite3_exec(lock, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return false;
    }
    for (int i = 0; i < 6; i++) {
      if (!AppendQuery(r, chain, "event " + std::to_string(i))) return false;
      if (i == 2 && r->Flush().ok()) return false;  // locked: cannot be stored
    }
    return true;
  });
  CHECK(SpoolsWithRecords(dir).size() == 2);
  std::vector<Event> events = ReadAll(dir.journal());
  REQUIRE(events.size() == 7);  // with the one of the first session
  std::vector<Event> mine(events.begin() + 1, events.end());
  if (events[0].sql != "created 0") mine.assign(events.begin(), events.end() - 1);
  for (int i = 0; i < 6; i++) CHECK(mine[i].sql == "event " + std::to_string(i));
  CHECK(VerifyJournal(dir.journal()).ok());
  CHECK(fs::is_empty(dir.path / "journal.db.spool"));
}

TEST_CASE("after a failed batch, the events appended meanwhile are stored with it", "[journal]") {
  // The failed batch keeps the first spool, so the next take cannot move the
  // appends: the writer copies the second spool's new records out instead.
  TempDir dir;
  std::unique_ptr<Recorder> r;
  REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &r).ok());
  sqlite3* lock = nullptr;  // another connection's write lock
  REQUIRE(sqlite3_open(dir.journal().c_str(), &lock) == SQLITE_OK);
  REQUIRE(sqlite3_exec(lock, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  Chain chain{NewSessionId(), 0};
  auto append = [&](int from, int to) {
    for (int i = from; i < to; i++)
      REQUIRE(AppendQuery(r.get(), &chain, "event " + std::to_string(i)));
  };
  append(0, 3);
  CHECK_FALSE(r->Flush().ok());
  append(3, 6);
  REQUIRE(sqlite3_exec(lock, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(lock);
  REQUIRE(r->Flush().ok());
  append(6, 8);
  REQUIRE(r->Flush().ok());
  std::vector<Event> events = ReadAll(dir.journal());
  REQUIRE(events.size() == 8);
  for (int i = 0; i < 8; i++) CHECK(events[i].sql == "event " + std::to_string(i));
  CHECK(VerifyJournal(dir.journal()).ok());
}

// Writes `events` of `session` as a spool file of binary records at `path`.
void WriteSpoolFile(const fs::path& path, const std::string& session, int first, int n) {
  RecordBuffer bytes;
  for (int seq = first; seq < first + n; seq++) {
    Event ev = Query("event " + std::to_string(seq));
    ev.seq = seq;
    if (seq == 0) ev.session = session;
    AppendSpoolRecord(session, ev, &bytes);
  }
  std::ofstream(path, std::ios::binary) << bytes.view();
}

TEST_CASE("spools holding one session's successive events are drained in any order", "[journal]") {
  const std::string session = NewSessionId();
  for (bool newest_first : {false, true}) {
    TempDir dir;
    RecordSession(dir.journal(), 1, "created ");
    fs::create_directories(dir.path / "journal.db.spool");
    std::vector<std::string> paths;
    for (int part = 0; part < 3; part++) {
      fs::path p = dir.path / "journal.db.spool" / (std::to_string(part) + ".spool2");
      WriteSpoolFile(p, session, 2 * part, 2);
      paths.push_back(p.string());
    }
    if (newest_first) std::reverse(paths.begin(), paths.end());
    std::unique_ptr<Store> store;
    REQUIRE(Store::Open(dir.journal(), Store::Mode::kWrite, &store, nullptr).ok());
    CHECK(RecoverSpoolFiles(store.get(), paths).ok());
    store.reset();
    std::vector<Event> events = ReadAll(dir.journal());
    REQUIRE(events.size() == 7);
    CHECK(VerifyJournal(dir.journal()).ok());
    CHECK(fs::is_empty(dir.path / "journal.db.spool"));
  }
}

TEST_CASE("a spool whose events have no stored predecessor stays, with the cause", "[journal]") {
  TempDir dir;
  RecordSession(dir.journal(), 1, "created ");
  fs::create_directories(dir.path / "journal.db.spool");
  fs::path p = dir.path / "journal.db.spool" / "1.spool2";
  WriteSpoolFile(p, NewSessionId(), 2, 2);  // events 0 and 1 are nowhere
  std::unique_ptr<Store> store;
  REQUIRE(Store::Open(dir.journal(), Store::Mode::kWrite, &store, nullptr).ok());
  pqward::Status s = RecoverSpoolFiles(store.get(), {p.string()});
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("no stored predecessor") != std::string::npos);
  CHECK(fs::exists(p));
}

TEST_CASE("a record the process died writing is never read, nor anything after it", "[journal]") {
  TempDir dir;
  RecordThenDie(dir, [](Recorder* r, Chain* chain) {
    return AppendQuery(r, chain, "kept 0") && AppendQuery(r, chain, "kept 1") &&
           AppendQuery(r, chain, "torn 2") && AppendQuery(r, chain, "after 3");
  });
  fs::path spool = OnlySpool(dir);
  {  // an append stopped just before its first byte: that byte is still the zero
    std::fstream f(spool, std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes = ReadBytes(f);
    size_t end;
    std::vector<size_t> starts = RecordStarts(bytes, &end);
    REQUIRE(starts.size() == 4);
    size_t start = starts[2];
    REQUIRE(bytes.substr(start, starts[3] - start).find("torn 2") != std::string::npos);
    f.seekp(static_cast<std::streamoff>(start));
    f.put('\0');
  }
  std::vector<Event> events = ReadAll(dir.journal());
  REQUIRE(events.size() == 2);
  CHECK(events[1].sql == "kept 1");
  CHECK(VerifyJournal(dir.journal()).ok());
}

TEST_CASE("a writer continuing a session chains to the journal's last event", "[journal]") {
  TempDir dir;
  std::unique_ptr<Recorder> first, second;
  REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &first).ok());
  Chain chain = AppendN(first.get(), 3, "first ");
  REQUIRE(first->Flush().ok());
  REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &second).ok());
  SECTION("its predecessor is stored") {
    Event ev = Query("second 3");
    REQUIRE(second->Append(&chain, &ev).ok());
    REQUIRE(second->Flush().ok());
    std::vector<Event> events = ReadAll(dir.journal());
    REQUIRE(events.size() == 4);
    CHECK(events[3].prev_hash == events[2].hash);
    CHECK(VerifyJournal(dir.journal()).ok());
  }
  SECTION("its predecessor is not stored yet: kept and retried, not chained to nothing") {
    Chain ahead{chain.session, 5};
    Event ev = Query("second 5");
    REQUIRE(second->Append(&ahead, &ev).ok());
    pqward::Status s = second->Flush();
    CHECK_FALSE(s.ok());
    CHECK(s.message().find("no stored predecessor") != std::string::npos);
    Event gap3 = Query("first 3"), gap4 = Query("first 4");
    REQUIRE(first->Append(&chain, &gap3).ok());
    REQUIRE(first->Append(&chain, &gap4).ok());
    REQUIRE(first->Flush().ok());
    REQUIRE(second->Flush().ok());  // the writer's retry finds event 4 now
    std::vector<Event> events = ReadAll(dir.journal());
    REQUIRE(events.size() == 6);
    CHECK(events[5].sql == "second 5");
    CHECK(VerifyJournal(dir.journal()).ok());
  }
}

TEST_CASE("a steady stream of events keeps the spool bounded", "[journal]") {
  TempDir dir;
  std::unique_ptr<Recorder> r;
  REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &r).ok());
  Chain chain = AppendN(r.get(), 150000, std::string(300, 'x'));  // ~70 MB of records
  uintmax_t largest = 0;
  for (const auto& e : fs::directory_iterator(dir.path / "journal.db.spool")) {
    largest = std::max(largest, fs::file_size(e.path()));
  }
  CHECK(largest <= (32u << 20));
  REQUIRE(r->Flush().ok());
  r.reset();
  CHECK(StoredLines(dir.journal()).size() == 150000);
  CHECK(chain.next_seq == 150000);
}

TEST_CASE("unusable journals are refused with the path in the message", "[journal]") {
  TempDir dir;
  std::unique_ptr<Recorder> r;
  SECTION("a directory that cannot exist") {
    std::ofstream(dir.path / "file") << "x";
    auto st = Recorder::Open(Options{(dir.path / "file" / "j.db").string(), 100, false}, &r);
    CHECK_FALSE(st.ok());
    CHECK(st.message().find((dir.path / "file").string()) != std::string::npos);
  }
  SECTION("a file that is not SQLite") {
    std::ofstream(dir.journal()) << std::string(4096, 'x');
    auto st = Recorder::Open(Options{dir.journal(), 100, false}, &r);
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("not a") != std::string::npos);
  }
  SECTION("a newer schema version") {
    REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &r).ok());
    r.reset();
    Sql(dir.journal(), "update meta set value = '3' where key = 'schema_version'");
    auto st = Recorder::Open(Options{dir.journal(), 100, false}, &r);
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("schema") != std::string::npos);
  }
}

TEST_CASE("a spool left by pqward 0.1.0 (no session field) is still recovered", "[journal]") {
  TempDir dir;
  {
    std::unique_ptr<Recorder> r;  // creates the journal
    REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &r).ok());
  }
  std::string session = NewSessionId(), prev, text;
  for (int i = 0; i < 2; i++) {
    Event ev = Query("legacy " + std::to_string(i));
    ev.session = session;
    ev.seq = i;
    std::string body = CanonicalJson(ev);
    if (i > 0) body.insert(body.find(",\"sql\""), ",\"session\":\"" + session + "\"");
    std::string hash = ChainHash(prev, body);
    text += hash + "\t" + prev + "\t" + body + "\n";
    prev = hash;
  }
  fs::create_directories(SpoolDir(dir.journal()));
  std::ofstream(SpoolDir(dir.journal()) + "/1-old.spool") << text;
  std::vector<Event> events = ReadAll(dir.journal());
  REQUIRE(events.size() == 2);
  CHECK(events[1].sql == "legacy 1");
  CHECK(events[1].session == session);
  CHECK(VerifyJournal(dir.journal()).ok());
}

TEST_CASE("a spool that cannot grow refuses the event and keeps the earlier ones", "[journal]") {
  TempDir dir;
  int pipefd[2];
  REQUIRE(pipe(pipefd) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);  // the file size limit stands in for a full disk
    struct rlimit limit = {3 << 20, 3 << 20};
    setrlimit(RLIMIT_FSIZE, &limit);
    std::unique_ptr<Recorder> r;
    if (!Recorder::Open(Options{dir.journal(), 100, false}, &r).ok()) _exit(2);
    Chain chain{NewSessionId(), 0};
    std::string error;
    int kept = 0;
    for (; kept < 40; kept++) {
      Event ev = Query(std::to_string(kept) + std::string(200000, 'x'));
      pqward::Status s = r->Append(&chain, &ev);
      if (!s.ok()) {
        error = s.message();
        break;
      }
    }
    std::string report = std::to_string(kept) + " " + error;
    if (write(pipefd[1], report.data(), report.size()) < 0) _exit(3);
    kill(getpid(), SIGKILL);  // what was spooled must survive without a drain
  }
  close(pipefd[1]);
  char buf[1024] = {};
  ssize_t n = read(pipefd[0], buf, sizeof buf - 1);
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(n > 0);
  std::string report(buf, static_cast<size_t>(n));
  int kept = std::stoi(report);
  INFO(report);
  CHECK(kept > 0);
  CHECK(kept < 40);
  CHECK(report.find("spool") != std::string::npos);
  CHECK(report.find("cannot grow") != std::string::npos);
  std::vector<Event> events = ReadAll(dir.journal());
  CHECK(static_cast<int>(events.size()) == kept);
  CHECK(VerifyJournal(dir.journal()).ok());
}

namespace {

// Whether every page of [p, p + len) is in the page cache.
bool Resident(const char* p, size_t len) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> pages((len + page - 1) / page);
  REQUIRE(mincore(const_cast<char*>(p), len, pages.data()) == 0);
  for (unsigned char v : pages) {
    if ((v & 1) == 0) return false;
  }
  return true;
}

// The spool record of event `seq` of one session.
std::string Record(int64_t seq, const std::string& sql) {
  static const std::string session = NewSessionId();
  Event ev = Query(sql);
  ev.seq = seq;
  RecordBuffer record;
  AppendSpoolRecord(session, ev, &record);
  return std::string(record.view());
}

}  // namespace

TEST_CASE("the spool is prefaulted ahead of the appends, its records unchanged", "[journal]") {
  TempDir dir;
  SpoolFile spool;
  REQUIRE(CreateSpool(dir.path.string(), &spool).ok());
  REQUIRE(spool.mapped);
  REQUIRE(WriteSpool(&spool, Record(0, "before")).ok());
  const size_t ahead = 3 << 20;     // past the first reservation: it grows
  REQUIRE(spool.capacity < ahead);  // the pages past it cannot be in memory yet
  if (!PrefaultSpool(&spool, ahead)) {
    REQUIRE(errno == EINVAL);  // a kernel before 5.14: appends fault pages in, as before
    WARN("MADV_POPULATE_WRITE not supported here");
    CloseSpool(&spool);
    return;
  }
  CHECK(spool.capacity >= ahead);
  CHECK(spool.prefaulted == ahead);
  CHECK(Resident(spool.map, ahead));
  REQUIRE(WriteSpool(&spool, Record(1, "after")).ok());
  Batch read;
  REQUIRE(ReadSpool(spool.fd, spool.path, &read).ok());
  REQUIRE(read.size() == 2);
  CHECK(read.body(read.entries()[0]).find("before") != std::string_view::npos);
  CHECK(read.body(read.entries()[1]).find("after") != std::string_view::npos);
  ResetSpool(&spool);
  CHECK(spool.prefaulted == 0);  // pages written back since are read-only again
  CloseSpool(&spool);
}
