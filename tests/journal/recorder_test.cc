#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "journal/reader.h"
#include "journal/recorder.h"

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
  Chain chain{NewSessionId(), 0, ""};
  for (int i = 0; i < n; i++) {
    Event ev = Query(prefix + std::to_string(i));
    REQUIRE(r->Append(&chain, &ev).ok());
  }
  return chain;
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
  {
    std::unique_ptr<Recorder> r;
    REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &r).ok());
    AppendN(r.get(), 4, "q");
    REQUIRE(r->Flush().ok());
  }
  SECTION("changed") {
    Sql(dir.journal(), "update events set body = replace(body, 'q2', 'q9') where seq = 2");
    auto st = VerifyJournal(dir.journal());
    CHECK(st.message().find("event 2: hash mismatch") != std::string::npos);
  }
  SECTION("removed") {
    Sql(dir.journal(), "delete from events where seq = 1");
    CHECK(VerifyJournal(dir.journal()).message().find("expected event 1") != std::string::npos);
  }
  SECTION("reordered") {
    Sql(dir.journal(),
        "update events set seq = -1 where seq = 1; update events set seq = 1 where seq = 2;"
        "update events set seq = 2 where seq = -1");
    CHECK_FALSE(VerifyJournal(dir.journal()).ok());
  }
}

TEST_CASE("threads append concurrently without loss", "[journal]") {
  TempDir dir;
  std::unique_ptr<Recorder> r;
  REQUIRE(Recorder::Open(Options{dir.journal(), 100, false}, &r).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; t++) {
    threads.emplace_back([&, t] {
      Chain chain{NewSessionId(), 0, ""};
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
    Chain chain{NewSessionId(), 0, ""};
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

TEST_CASE("a killed process's spool is recovered by the next reader", "[journal]") {
  TempDir dir;
  pid_t pid = fork();
  if (pid == 0) {
    std::unique_ptr<Recorder> r;
    if (!Recorder::Open(Options{dir.journal(), 100, false}, &r).ok()) _exit(2);
    Chain chain{NewSessionId(), 0, ""};
    Event ev = Query("last words");
    if (!r->Append(&chain, &ev).ok()) _exit(3);
    kill(getpid(), SIGKILL);  // no flush, no exit handlers
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  std::vector<Event> events = ReadAll(dir.journal());
  REQUIRE(events.size() == 1);
  CHECK(events[0].sql == "last words");
  CHECK(fs::is_empty(dir.path / "journal.db.spool"));
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
    Sql(dir.journal(), "update meta set value = '2' where key = 'schema_version'");
    auto st = Recorder::Open(Options{dir.journal(), 100, false}, &r);
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("schema") != std::string::npos);
  }
}
