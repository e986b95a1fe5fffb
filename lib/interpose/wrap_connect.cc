// Connection entry points: PQconnectdb, PQconnectdbParams, PQsetdbLogin,
// PQconnectStart(Params)/PQconnectPoll, PQreset*, PQfinish, and the status
// and error accessors a refusal overrides. Before any connection is attempted
// the config and journal must be usable (fail closed).
#include "interpose/conn_state.h"
#include "interpose/guard.h"
#include "interpose/real.h"
#include "interpose/record.h"
#include "interpose/refusal.h"
#include "interpose/session.h"
#include "interpose/wrap.h"

namespace pqward::interpose {

namespace {

const pqw_api& R() {
  return Real();
}

// A connection libpq finished synchronously: attach, then journal its start
// or its failure. A session that cannot be journaled is closed and refused.
PGconn* AfterSyncConnect(PGconn* conn, journal::Recorder* recorder, const char* api) {
  if (conn == nullptr) return nullptr;
  Status st = Safely([&] {
    ConnState* state = AttachNew(conn, recorder, api);
    if (R().PQstatus(conn) != CONNECTION_OK) {
      RecordConnectFailed(state);
      return Status::OK();
    }
    return OpenSession(state);
  });
  if (st.ok()) return conn;
  DetachState(conn);
  R().PQfinish(conn);
  return MakeRefusedConn(st, api);
}

// A connection started without blocking: attach; PQconnectPoll does the rest.
PGconn* AfterStart(PGconn* conn, journal::Recorder* recorder, const char* api) {
  if (conn == nullptr) return nullptr;
  Status st = Safely([&] {
    ConnState* state = AttachNew(conn, recorder, api);
    if (R().PQstatus(conn) == CONNECTION_BAD) RecordConnectFailed(state);
    return Status::OK();
  });
  if (st.ok()) return conn;
  DetachState(conn);
  R().PQfinish(conn);
  return MakeRefusedConn(st, api);
}

// Runs a connect call after the pre-connect checks; `call` makes the conn.
template <typename Call, typename After>
PGconn* Connect(const char* api, Call&& call, After&& after) {
  CallScope scope;
  if (!scope.outer()) return call();
  journal::Recorder* recorder = nullptr;
  Status st = Safely([&] { return PrepareConnect(&recorder); });
  if (!st.ok()) return MakeRefusedConn(st, api);
  return after(call(), recorder, api);
}

PGconn* W_PQconnectdb(const char* conninfo) {
  return Connect(
      "PQconnectdb", [&] { return R().PQconnectdb(conninfo); }, AfterSyncConnect);
}

PGconn* W_PQconnectdbParams(const char* const* keywords, const char* const* values,
                            int expand_dbname) {
  return Connect(
      "PQconnectdbParams", [&] { return R().PQconnectdbParams(keywords, values, expand_dbname); },
      AfterSyncConnect);
}

PGconn* W_PQsetdbLogin(const char* host, const char* port, const char* options, const char* tty,
                       const char* db, const char* login, const char* pwd) {
  return Connect(
      "PQsetdbLogin", [&] { return R().PQsetdbLogin(host, port, options, tty, db, login, pwd); },
      AfterSyncConnect);
}

PGconn* W_PQconnectStart(const char* conninfo) {
  return Connect(
      "PQconnectStart", [&] { return R().PQconnectStart(conninfo); }, AfterStart);
}

PGconn* W_PQconnectStartParams(const char* const* keywords, const char* const* values,
                               int expand_dbname) {
  return Connect(
      "PQconnectStartParams",
      [&] { return R().PQconnectStartParams(keywords, values, expand_dbname); }, AfterStart);
}

PostgresPollingStatusType W_PQconnectPoll(PGconn* conn) {
  CallScope scope;
  ConnState* st = scope.outer() ? FindState(conn) : nullptr;
  if (st != nullptr && !st->refused.ok()) return PGRES_POLLING_FAILED;
  PostgresPollingStatusType r = R().PQconnectPoll(conn);
  if (st == nullptr) return r;
  Status opened = Safely([&] {
    if (r == PGRES_POLLING_OK) return OpenSession(st);
    if (r == PGRES_POLLING_FAILED) RecordConnectFailed(st);
    return Status::OK();
  });
  if (opened.ok()) return r;
  RefuseConn(st, opened);
  return PGRES_POLLING_FAILED;
}

void W_PQfinish(PGconn* conn) {
  CallScope scope;
  if (scope.outer()) {
    if (ConnState* st = FindState(conn)) {
      (void)Safely([&] {
        CloseSession(st);
        return Status::OK();
      });
      DetachState(conn);
    }
  }
  R().PQfinish(conn);
}

// PQreset keeps the journal session: the program sees one connection.
void W_PQreset(PGconn* conn) {
  CallScope scope;
  ConnState* st = scope.outer() ? FindState(conn) : nullptr;
  if (st != nullptr) AbandonAll(st);
  R().PQreset(conn);
}

int W_PQresetStart(PGconn* conn) {
  CallScope scope;
  ConnState* st = scope.outer() ? FindState(conn) : nullptr;
  if (st != nullptr) AbandonAll(st);
  return R().PQresetStart(conn);
}

ConnStatusType W_PQstatus(const PGconn* conn) {
  ConnState* st = FindState(conn);
  if (st != nullptr && !st->refused.ok()) return CONNECTION_BAD;
  return R().PQstatus(conn);
}

char* W_PQerrorMessage(const PGconn* conn) {
  ConnState* st = FindState(conn);
  if (st != nullptr && !st->error_override.empty()) return st->error_override.data();
  return R().PQerrorMessage(conn);
}

}  // namespace

void InstallConnectWrappers(pqw_api* api) {
  api->PQconnectdb = W_PQconnectdb;
  api->PQconnectdbParams = W_PQconnectdbParams;
  api->PQsetdbLogin = W_PQsetdbLogin;
  api->PQconnectStart = W_PQconnectStart;
  api->PQconnectStartParams = W_PQconnectStartParams;
  api->PQconnectPoll = W_PQconnectPoll;
  api->PQfinish = W_PQfinish;
  api->PQreset = W_PQreset;
  api->PQresetStart = W_PQresetStart;
  api->PQstatus = W_PQstatus;
  api->PQerrorMessage = W_PQerrorMessage;
}

}  // namespace pqward::interpose
