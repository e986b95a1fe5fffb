// COPY data paths, new and old API: PQgetCopyData, PQputCopyData, PQgetline,
// PQgetlineAsync, PQputline, PQputnbytes, PQendcopy. Data is counted and its
// first rows captured into the COPY statement's event; the event itself is
// journaled when the COPY's terminal result arrives (PQgetResult), or in
// PQendcopy, which consumes that result inside libpq.
#include <cstdio>
#include <cstring>

#include "interpose/conn_state.h"
#include "interpose/guard.h"
#include "interpose/masking.h"
#include "interpose/real.h"
#include "interpose/record.h"
#include "interpose/refusal.h"
#include "interpose/wrap.h"

namespace pqward::interpose {

namespace {

const pqw_api& R() {
  return Real();
}

void Track(PGconn* conn, const char* buf, int len, bool out) {
  ConnState* st = FindState(conn);
  if (st == nullptr || buf == nullptr || len <= 0) return;
  (void)Safely([&] {
    OnCopyData(st, buf, len, out);
    return Status::OK();
  });
}

int W_PQgetCopyData(PGconn* conn, char** buffer, int async) {
  CallScope scope;
  int n = R().PQgetCopyData(conn, buffer, async);
  if (!scope.outer() || n <= 0) return n;
  ConnState* st = FindState(conn);
  if (st == nullptr) return n;
  Status masked = Safely([&] {
    MaskCopyOut(st, buffer, &n);
    return Status::OK();
  });
  if (!masked.ok()) {  // never hand out a row that may be unmasked
    R().PQfreemem(*buffer);
    *buffer = nullptr;
    st->error_override = RefusalText(masked);
    return -2;
  }
  Track(conn, *buffer, n, true);
  return n;
}

// The old line API cannot be masked: refused while masking is configured.
bool OldApiRefused(PGconn* conn) {
  Status allowed = CheckOldCopyApi();
  if (allowed.ok()) return false;
  if (ConnState* st = FindState(conn)) st->error_override = RefusalText(allowed);
  return true;
}

int W_PQputCopyData(PGconn* conn, const char* buffer, int nbytes) {
  CallScope scope;
  int rc = R().PQputCopyData(conn, buffer, nbytes);
  if (scope.outer() && rc == 1) Track(conn, buffer, nbytes, false);
  return rc;
}

int W_PQgetline(PGconn* conn, char* buffer, int length) {
  CallScope scope;
  if (scope.outer() && OldApiRefused(conn)) return EOF;
  int rc = R().PQgetline(conn, buffer, length);
  if (scope.outer() && rc == 0 && std::strcmp(buffer, "\\.") != 0) {
    Track(conn, buffer, static_cast<int>(std::strlen(buffer)), true);
  }
  return rc;
}

int W_PQgetlineAsync(PGconn* conn, char* buffer, int bufsize) {
  CallScope scope;
  if (scope.outer() && OldApiRefused(conn)) return -1;
  int n = R().PQgetlineAsync(conn, buffer, bufsize);
  if (scope.outer() && n > 0) Track(conn, buffer, n, true);
  return n;
}

int W_PQputline(PGconn* conn, const char* string) {
  CallScope scope;
  int rc = R().PQputline(conn, string);
  if (scope.outer() && rc == 0 && std::strcmp(string, "\\.\n") != 0) {
    Track(conn, string, static_cast<int>(std::strlen(string)), false);
  }
  return rc;
}

int W_PQputnbytes(PGconn* conn, const char* buffer, int nbytes) {
  CallScope scope;
  int rc = R().PQputnbytes(conn, buffer, nbytes);
  if (scope.outer() && rc == 0) Track(conn, buffer, nbytes, false);
  return rc;
}

// PQendcopy reads the COPY's final result inside libpq: record it from here.
int W_PQendcopy(PGconn* conn) {
  CallScope scope;
  ConnState* st = scope.outer() ? FindState(conn) : nullptr;
  int rc = R().PQendcopy(conn);
  if (st == nullptr) return rc;
  (void)Safely([&] {
    PGresult* res = R().PQmakeEmptyPGresult(conn, rc == 0 ? PGRES_COMMAND_OK : PGRES_FATAL_ERROR);
    if (res != nullptr) {
      PGresult* out = OnResult(st, res);
      if (out != nullptr) R().PQclear(out);
    }
    EndSync(st, nullptr);
    return Status::OK();
  });
  return rc;
}

}  // namespace

void InstallCopyWrappers(pqw_api* api) {
  api->PQgetCopyData = W_PQgetCopyData;
  api->PQputCopyData = W_PQputCopyData;
  api->PQgetline = W_PQgetline;
  api->PQgetlineAsync = W_PQgetlineAsync;
  api->PQputline = W_PQputline;
  api->PQputnbytes = W_PQputnbytes;
  api->PQendcopy = W_PQendcopy;
}

}  // namespace pqward::interpose
