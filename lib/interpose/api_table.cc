// The core's one export, pqward_core_api(): the table the shim forwards
// through. It starts as the real libpq's table; each wrap_*.cc replaces the
// entries it interposes; the pqward_* entries are pqward's own C API.
#include <cstdio>
#include <mutex>

#include "interpose/runtime.h"
#include "interpose/wrap.h"
#include "pqward/pqward.h"
#include "pqward_build_config.h"

namespace pqward::interpose {

namespace {

pqw_api g_table;
Status g_status;
std::once_flag g_once;

const char* W_pqward_version() {
  return PQWARD_VERSION;
}

const char* W_pqward_strerror(int code) {
  if (code < 0 || code > static_cast<int>(Status::Code::kCorrupt)) return "Unknown";
  return CodeName(static_cast<Status::Code>(code));
}

const char* W_pqward_session_id(const PGconn* conn) {
  ConnState* st = FindState(conn);
  return st != nullptr ? st->chain.session.c_str() : nullptr;
}

int W_pqward_flush() {
  journal::Recorder* recorder = nullptr;
  Status st = Safely([&] {
    PQWARD_RETURN_IF_ERROR(GetRecorder(&recorder));
    return recorder->Flush();
  });
  return static_cast<int>(st.code());
}

void Build() {
  g_status = LoadReal();
  if (!g_status.ok()) return;
  g_table = Real();
  InstallConnectWrappers(&g_table);
  InstallExecWrappers(&g_table);
  InstallCopyWrappers(&g_table);
  InstallLargeObjectWrappers(&g_table);
  InstallResultWrappers(&g_table);
  g_table.pqward_version = W_pqward_version;
  g_table.pqward_strerror = W_pqward_strerror;
  g_table.pqward_session_id = W_pqward_session_id;
  g_table.pqward_flush = W_pqward_flush;
}

}  // namespace

}  // namespace pqward::interpose

extern "C" __attribute__((visibility("default"))) const pqw_api* pqward_core_api(int abi, char* err,
                                                                                 size_t errlen) {
  using namespace pqward::interpose;
  if (abi != PQW_API_ABI) {
    std::snprintf(err, errlen, "libpqward-core.so does not match libpqward.so (ABI %d vs %d)",
                  PQW_API_ABI, abi);
    return nullptr;
  }
  std::call_once(g_once, Build);
  if (!g_status.ok()) {
    std::snprintf(err, errlen, "%s", g_status.message().c_str());
    return nullptr;
  }
  return &g_table;
}
