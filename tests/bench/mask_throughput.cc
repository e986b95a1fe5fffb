// Detection throughput of the masking engine: MB/s scanned per core by
// Masker::MaskText with every built-in detector on text without matches, for
// cell-sized and page-sized values. Registered as a meson benchmark (not a
// timed test); the target is >= 300 MB/s per core on large values. "Per
// core" is per second of this thread's CPU time, which on a VM leaves out
// the time the hypervisor gave the vCPU to others (steal); the wall-clock
// rate is printed beside it.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "config/config.h"
#include "mask/masker.h"

namespace {

// Prose with numbers, dates, versions and identifiers, none of them sensitive.
std::string Corpus(size_t bytes) {
  static const char* kWords[] = {
      "the",     "order",     "shipped",   "on",          "2024-03-15", "version", "1.2.3", "with",
      "status",  "delivered", "customer",  "note:",       "please",     "review",  "item",  "42",
      "total",   "19.99",     "warehouse", "B7",          "at",         "10:30",   "and",   "then",
      "update",  "ticket",    "#4521",     "for",         "account",    "manager", "Lorem", "ipsum",
      "dolor",   "sit",       "amet,",     "consectetur", "adipiscing", "elit.",   "sed",   "do",
      "eiusmod", "tempor",    "id=7f3a",   "retry",       "x3"};
  std::mt19937 rng(5);
  std::string s;
  s.reserve(bytes + 32);
  while (s.size() < bytes) {
    s += kWords[rng() % (sizeof kWords / sizeof kWords[0])];
    s += (rng() % 12 == 0) ? "\n" : " ";
  }
  s.resize(bytes);
  return s;
}

struct Rate {
  double wall;  // MB per second of elapsed time
  double cpu;   // MB per second of this thread's CPU time
};

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Rate Run(const pqward::mask::Masker& m, const std::string& corpus, size_t chunk) {
  std::string out;
  size_t changed = 0, scanned = 0;
  auto start = std::chrono::steady_clock::now();
  double cpu0 = ThreadCpuSeconds();
  for (int round = 0; round < 3; ++round) {
    for (size_t off = 0; off + chunk <= corpus.size(); off += chunk) {
      changed += m.MaskText(std::string_view(corpus).substr(off, chunk), &out);
      scanned += chunk;
    }
  }
  double cpu = ThreadCpuSeconds() - cpu0;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (changed != 0) std::printf("  warning: %zu chunks had matches\n", changed);
  return {scanned / secs / 1e6, scanned / cpu / 1e6};
}

double Baseline(const std::string& corpus) {
  // memchr over the same bytes: the cost of touching them at all.
  size_t hits = 0;
  auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 3; ++round) {
    const char* p = corpus.data();
    const char* end = p + corpus.size();
    while ((p = static_cast<const char*>(std::memchr(p, '\x01', end - p))) != nullptr) ++p, ++hits;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return (hits + 3.0 * corpus.size()) / secs / 1e6;
}

}  // namespace

int main() {
  pqward::Config c;
  pqward::Status st = pqward::ParseConfig("[mask.detect]\n", "bench", &c);
  std::unique_ptr<pqward::mask::Masker> m;
  if (st.ok()) st = pqward::mask::Masker::Create(c.mask, &m);
  if (!st.ok()) {
    std::fprintf(stderr, "mask_throughput: %s\n", st.ToString().c_str());
    return 1;
  }
  std::string corpus = Corpus(64 << 20);
  double base = Baseline(corpus);
  std::printf("mask detection throughput, all built-in detectors, text without matches\n");
  std::printf("  memchr baseline             %8.0f MB/s\n", base);
  for (size_t chunk : {64u, 256u, 4096u, 65536u, 1u << 20}) {
    Rate r = Run(*m, corpus, chunk);
    std::printf(
        "  values of %7zu bytes      %8.0f MB/s per CPU second  %8.0f MB/s elapsed  (%.3f of "
        "memchr)\n",
        chunk, r.cpu, r.wall, r.wall / base);
  }
  return 0;
}
