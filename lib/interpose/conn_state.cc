// The PGconn -> ConnState registry.
#include "interpose/conn_state.h"

#include <atomic>
#include <shared_mutex>
#include <unordered_map>

namespace pqward::interpose {

namespace {

std::shared_mutex g_mu;
// Leaked on purpose: connections may be finished by atexit handlers that run
// after static destructors.
auto* g_states = new std::unordered_map<const PGconn*, std::unique_ptr<ConnState>>();

constexpr size_t kKeepBytes = 1 << 16;  // a reused string keeps at most this much
constexpr size_t kSpareRows = 4;        // rows kept for reuse...
constexpr size_t kSpareValues = 64;     // ...and values per row or parameter list

// Each thread's last lookup. A program mostly calls libpq on one connection
// after another, several times per statement, so a hit skips the registry's
// lock and hash. Attach and Detach bump the generation, which makes every
// thread's cached answer (a state, or none) stale.
std::atomic<uint64_t> g_generation{0};
struct LastLookup {
  const PGconn* conn = nullptr;
  ConnState* state = nullptr;
  uint64_t generation = ~uint64_t{0};
};
[[gnu::tls_model("initial-exec")]] thread_local LastLookup t_last;  // see guard.h

// Frees a string's memory when it is over kKeepBytes. It does not clear a
// smaller one: the caller does, once, and the memory is kept for reuse.
void DropIfLarge(std::string* s) {
  if (s->capacity() > kKeepBytes) std::string().swap(*s);
}

// Back to no masking decision. Outside COPY only the plan is dropped: a new
// MaskState would construct and free its COPY options' string each time.
void ClearMask(MaskState* mask) {
  if (mask->copy) {
    *mask = MaskState();
    return;
  }
  if (mask->planned) mask->plan = mask::ResultPlan();
  mask->planned = false;
  mask->masker = nullptr;
}

}  // namespace

void Submission::ClearResult() {
  for (journal::Row& row : event.values) {
    if (spare_rows.size() == kSpareRows || row.capacity() > kSpareValues) break;
    row.clear();
    spare_rows.push_back(std::move(row));
  }
  event.ClearOutcome();
  in_progress = false;
  result_journaled = false;
  copy_direction.clear();
  copy_bytes = copy_rows = 0;
  DropIfLarge(&copy_partial);
  copy_partial.clear();
  ClearMask(&mask);
}

void Submission::Reset() {
  ClearResult();
  sync_marker = false;
  DropIfLarge(&event.sql);  // a script of megabytes is not kept per slot
  if (event.params && event.params->capacity() <= kSpareValues) {
    spare_params = std::move(*event.params);
    spare_params.clear();
  }
  event.ClearRequest();
  t0_mono_us = 0;
  terminals = 0;
  popped = false;
}

ConnState* FindState(const PGconn* conn) {
  if (conn == nullptr) return nullptr;
  LastLookup& last = t_last;
  uint64_t generation = g_generation.load(std::memory_order_acquire);
  if (last.conn == conn && last.generation == generation) return last.state;
  std::shared_lock lock(g_mu);
  auto it = g_states->find(conn);
  last = {conn, it == g_states->end() ? nullptr : it->second.get(), generation};
  return last.state;
}

ConnState* AttachState(PGconn* conn) {
  std::unique_lock lock(g_mu);
  auto& slot = (*g_states)[conn];
  if (!slot) {
    slot = std::make_unique<ConnState>();
    slot->conn = conn;
    g_generation.fetch_add(1, std::memory_order_release);
  }
  return slot.get();
}

void DetachState(const PGconn* conn) {
  std::unique_ptr<ConnState> victim;
  std::unique_lock lock(g_mu);
  auto it = g_states->find(conn);
  if (it == g_states->end()) return;
  g_generation.fetch_add(1, std::memory_order_release);
  victim = std::move(it->second);
  g_states->erase(it);
}

}  // namespace pqward::interpose
