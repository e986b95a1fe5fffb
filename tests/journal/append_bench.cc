// Append throughput of one process (spool write + queue), and the time the
// writer thread then needs to move everything into SQLite. Not a test: run it
// with `meson test --benchmark` or directly; it prints numbers, asserts nothing.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "journal/recorder.h"

using namespace pqward::journal;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200000;
  char tmpl[] = "/tmp/pqward-append-bench.XXXXXX";
  std::filesystem::path dir = mkdtemp(tmpl);
  Options opts;
  opts.path = (dir / "journal.db").string();
  std::unique_ptr<Recorder> r;
  pqward::Status s = Recorder::Open(opts, &r);
  if (!s.ok()) {
    std::fprintf(stderr, "append_bench: %s\n", s.ToString().c_str());
    return 1;
  }
  Chain chain{NewSessionId(), 0};
  Event proto;
  proto.kind = "query";
  proto.api = "PQexecParams";
  proto.sql = "SELECT id, name, email FROM customers WHERE id = $1";
  proto.params = std::vector<Value>{std::string("42")};
  proto.status = "PGRES_TUPLES_OK";
  proto.command_tag = "SELECT 1";
  proto.rows = 1;
  proto.columns = {{"id", 23, 16384, 1}, {"name", 25, 16384, 2}, {"email", 25, 16384, 3}};
  proto.values = {{std::string("42"), std::string("Ada"), std::string("a***@example.com")}};
  auto t0 = Clock::now();
  for (int i = 0; i < n; i++) {
    Event ev = proto;
    ev.started_at_us = i;
    s = r->Append(&chain, &ev);
    if (!s.ok()) {
      std::fprintf(stderr, "append_bench: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  auto t1 = Clock::now();
  s = r->Flush();
  auto t2 = Clock::now();
  double append_s = std::chrono::duration<double>(t1 - t0).count();
  double flush_s = std::chrono::duration<double>(t2 - t0).count();
  std::printf("append: %d events in %.3f s = %.0f events/s (spool + queue)\n", n, append_s,
              n / append_s);
  std::printf("stored: %d events in SQLite after %.3f s = %.0f events/s end to end (%s)\n", n,
              flush_s, n / flush_s, s.ok() ? "ok" : s.ToString().c_str());
  r.reset();
  std::filesystem::remove_all(dir);
  return s.ok() ? 0 : 1;
}
