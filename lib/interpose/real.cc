// Resolving the real libpq. See real.h for why it is opened by path.
#include "interpose/real.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "pqward_build_config.h"

namespace pqward::interpose {

namespace {

pqw_api g_real;
Status g_status;
std::once_flag g_once;

// Functions the wrappers call directly: the real libpq must have them all.
bool HasWrappedSet(const pqw_api& r) {
  return r.PQexec && r.PQexecParams && r.PQprepare && r.PQexecPrepared && r.PQsendQuery &&
         r.PQsendQueryParams && r.PQsendPrepare && r.PQsendQueryPrepared && r.PQgetResult &&
         r.PQconnectStartParams && r.PQconnectPoll && r.PQfinish && r.PQstatus &&
         r.PQerrorMessage && r.PQmakeEmptyPGresult && r.PQpipelineSync && r.PQenterPipelineMode &&
         r.PQexitPipelineMode && r.PQgetCopyData && r.PQfn;
}

Status Load() {
  const char* env = std::getenv("PQWARD_REAL_LIBPQ");
  std::string path = (env != nullptr && *env != '\0') ? env : PQWARD_REAL_LIBPQ_DEFAULT;
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr)
    return Status::Libpq(std::string("cannot load the real libpq: ") + dlerror());
  if (dlsym(handle, "pqward_version") != nullptr) {
    return Status::Libpq(path + " is pqward itself, not the real libpq (set PQWARD_REAL_LIBPQ)");
  }
  const char* first_missing = nullptr;
  pqw_api_resolve(&g_real, handle, &first_missing);
  if (!HasWrappedSet(g_real)) {
    return Status::Libpq(path + " lacks functions pqward needs (libpq 14 or newer is required)");
  }
  return Status::OK();
}

}  // namespace

Status LoadReal() {
  std::call_once(g_once, [] { g_status = Load(); });
  return g_status;
}

const pqw_api& Real() {
  return g_real;
}

}  // namespace pqward::interpose
