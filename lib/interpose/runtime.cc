// The process runtime: config and recorder, set up on the first connection.
#include "interpose/runtime.h"

#include <cstdio>
#include <mutex>
#include <set>

namespace pqward::interpose {

namespace {

Config g_config;
Status g_config_status;
std::once_flag g_config_once;
std::mutex g_warn_mu;

}  // namespace

const Config& GetConfig(Status* status) {
  std::call_once(g_config_once, [] { g_config_status = LoadConfig(&g_config); });
  *status = g_config_status;
  return g_config;
}

Status GetRecorder(journal::Recorder** out) {
  Status st;
  const Config& config = GetConfig(&st);
  if (!st.ok()) return st;
  return journal::Recorder::Get(config.journal, out);
}

void WarnOnce(const std::string& message) {
  static std::set<std::string>* seen = new std::set<std::string>();  // never freed: used at exit
  std::lock_guard<std::mutex> lock(g_warn_mu);
  if (!seen->insert(message).second) return;
  std::fprintf(stderr, "pqward: %s\n", message.c_str());
}

}  // namespace pqward::interpose
