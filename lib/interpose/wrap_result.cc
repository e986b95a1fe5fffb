// Result accessors that a refusal or masking overrides (error message and
// fields), PQclear, which forgets the overrides, and the notice and NOTIFY
// paths, whose texts go through the content detectors.
#include <cstdlib>
#include <cstring>

#include "interpose/masking.h"
#include "interpose/runtime.h"
#include "interpose/wrap.h"

namespace pqward::interpose {

namespace {

const pqw_api& R() {
  return Real();
}

void W_PQclear(PGresult* res) {
  ForgetResult(res);
  R().PQclear(res);
}

char* W_PQresultErrorMessage(const PGresult* res) {
  if (const char* m = RefusalMessage(res)) return const_cast<char*>(m);
  return R().PQresultErrorMessage(res);
}

// The caller frees this one with PQfreemem (free), so a refusal is copied.
char* W_PQresultVerboseErrorMessage(const PGresult* res, PGVerbosity verbosity,
                                    PGContextVisibility show_context) {
  if (const char* m = RefusalMessage(res)) return strdup(m);
  return R().PQresultVerboseErrorMessage(res, verbosity, show_context);
}

char* W_PQresultErrorField(const PGresult* res, int fieldcode) {
  if (const char* f = RefusalField(res, fieldcode)) return const_cast<char*>(f);
  return R().PQresultErrorField(res, fieldcode);
}

PGnotify* W_PQnotifies(PGconn* conn) {
  PGnotify* n = R().PQnotifies(conn);
  return n != nullptr ? MaskNotify(n) : n;
}

PQnoticeReceiver W_PQsetNoticeReceiver(PGconn* conn, PQnoticeReceiver proc, void* arg) {
  ConnState* st = FindState(conn);
  if (st == nullptr || !st->masking_notices) return R().PQsetNoticeReceiver(conn, proc, arg);
  return SetProgramReceiver(st, proc, arg);
}

PQnoticeProcessor W_PQsetNoticeProcessor(PGconn* conn, PQnoticeProcessor proc, void* arg) {
  ConnState* st = FindState(conn);
  if (st == nullptr || !st->masking_notices) return R().PQsetNoticeProcessor(conn, proc, arg);
  R().PQsetNoticeProcessor(conn, proc, arg);
  return SetProgramProcessor(st, proc, arg);
}

// PQtrace writes DataRow messages verbatim: not while masking is configured.
void W_PQtrace(PGconn* conn, FILE* debug_port) {
  const mask::Masker* m = nullptr;
  if (!GetMasker(&m).ok() || m != nullptr) {
    WarnOnce("PQtrace is disabled while masking is configured (it would write raw rows)");
    return;
  }
  R().PQtrace(conn, debug_port);
}

}  // namespace

void InstallResultWrappers(pqw_api* api) {
  api->PQclear = W_PQclear;
  api->PQresultErrorMessage = W_PQresultErrorMessage;
  api->PQresultVerboseErrorMessage = W_PQresultVerboseErrorMessage;
  api->PQresultErrorField = W_PQresultErrorField;
  api->PQnotifies = W_PQnotifies;
  api->PQtrace = W_PQtrace;
  api->PQsetNoticeReceiver = W_PQsetNoticeReceiver;
  api->PQsetNoticeProcessor = W_PQsetNoticeProcessor;
}

}  // namespace pqward::interpose
