// Refused connections and statements; see refusal.h.
#include "interpose/refusal.h"

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "interpose/real.h"

namespace pqward::interpose {

namespace {

struct Refusal {
  std::string message;                          // full text, ends in "\n"
  std::unordered_map<int, std::string> fields;  // PG_DIAG_* overrides
};

std::mutex g_mu;
auto* g_results = new std::unordered_map<const PGresult*, Refusal>();
std::atomic<int> g_count{0};  // lets PQclear skip the lock when none exist

}  // namespace

std::string RefusalText(const Status& status) {
  return "pqward: " + status.message() + "\n";
}

PGconn* MakeRefusedConn(const Status& status, const char* api) {
  // An unknown option makes libpq return CONNECTION_BAD without any I/O.
  const char* keywords[] = {"pqward_refused", nullptr};
  const char* values[] = {"1", nullptr};
  PGconn* conn = Real().PQconnectStartParams(keywords, values, 0);
  if (conn == nullptr) return nullptr;
  ConnState* st = AttachState(conn);
  st->connect_api = api;
  RefuseConn(st, status);
  return conn;
}

void RefuseConn(ConnState* st, const Status& status) {
  st->refused = status;
  st->error_override = RefusalText(status);
}

PGresult* MakeErrorResult(ConnState* st, const Status& status) {
  PGresult* res = Real().PQmakeEmptyPGresult(st->conn, PGRES_FATAL_ERROR);
  if (res == nullptr) return nullptr;
  st->error_override = RefusalText(status);
  OverrideError(res, RefusalText(status),
                {{PG_DIAG_SEVERITY, "ERROR"},
                 {PG_DIAG_SEVERITY_NONLOCALIZED, "ERROR"},
                 {PG_DIAG_SQLSTATE, status.code() == Status::Code::kJournal ? "58030" : "42501"},
                 {PG_DIAG_MESSAGE_PRIMARY, status.message()}});
  return res;
}

void OverrideError(const PGresult* res, std::string message,
                   std::unordered_map<int, std::string> fields) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto [it, added] =
      g_results->insert_or_assign(res, Refusal{std::move(message), std::move(fields)});
  if (added) g_count.fetch_add(1, std::memory_order_relaxed);
}

const char* RefusalMessage(const PGresult* res) {
  if (g_count.load(std::memory_order_relaxed) == 0 || res == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_results->find(res);
  return it == g_results->end() ? nullptr : it->second.message.c_str();
}

const char* RefusalField(const PGresult* res, int fieldcode) {
  if (g_count.load(std::memory_order_relaxed) == 0 || res == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_results->find(res);
  if (it == g_results->end()) return nullptr;
  auto field = it->second.fields.find(fieldcode);
  return field == it->second.fields.end() ? nullptr : field->second.c_str();
}

void ForgetResult(const PGresult* res) {
  if (g_count.load(std::memory_order_relaxed) == 0 || res == nullptr) return;
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_results->erase(res) > 0) g_count.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace pqward::interpose
