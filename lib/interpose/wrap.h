// Shared by the wrap_*.cc files: each installs its wrappers into the table
// the shim calls through. Every wrapper keeps exceptions inside the core and
// records only at the outermost libpq call (guard.h).
#pragma once

#include <exception>
#include <string>

#include "interpose/conn_state.h"
#include "interpose/guard.h"
#include "interpose/real.h"
#include "interpose/record.h"
#include "interpose/refusal.h"
#include "pqw_api.h"
#include "util/status.h"

namespace pqward::interpose {

void InstallConnectWrappers(pqw_api* api);
void InstallExecWrappers(pqw_api* api);
void InstallCopyWrappers(pqw_api* api);
void InstallLargeObjectWrappers(pqw_api* api);
void InstallResultWrappers(pqw_api* api);

// Runs fn() and turns any exception into Status::Internal.
template <typename Fn>
Status Safely(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("unexpected error: ") + e.what());
  } catch (...) {
    return Status::Internal("unexpected error");
  }
}

// A synchronous statement call (PQexec, PQprepare, PQfn...): queue a
// submission filled by fill(st, sub), run call(), record its result, unqueue.
// A refusal or a journal failure gives the program an error result instead.
template <typename Fill, typename Call>
PGresult* SyncCall(PGconn* conn, Fill&& fill, Call&& call) {
  CallScope scope;
  ConnState* st = scope.outer() ? FindState(conn) : nullptr;
  if (st == nullptr) return call();
  Status begun = Safely([&] { return Begin(st, [&](Submission* sub) { fill(st, sub); }); });
  if (!begun.ok()) return MakeErrorResult(st, begun);
  PGresult* res = call();
  PGresult* out = res;
  Status recorded = Safely([&] {
    if (res != nullptr) out = OnResult(st, res);
    EndSync(st, out);
    return Status::OK();
  });
  if (recorded.ok()) return out;
  if (out != nullptr) Real().PQclear(out);
  RefuseConn(st, recorded);
  return MakeErrorResult(st, recorded);
}

}  // namespace pqward::interpose
