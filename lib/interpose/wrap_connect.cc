// Connection entry points: PQconnectdb, PQconnectdbParams, PQsetdbLogin,
// PQconnectStart(Params)/PQconnectPoll, PQreset*, PQfinish, and the status
// and error accessors a refusal overrides. Before any connection is attempted
// the config and journal must be usable (fail closed).
#include <cstdlib>
#include <string_view>

#include "interpose/broker_hook.h"
#include "interpose/conn_state.h"
#include "interpose/connect_args.h"
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

// Copies what identity decided into the connection's state.
ConnState* Attach(PGconn* conn, journal::Recorder* recorder, const char* api,
                  const Brokered& brokered) {
  ConnState* state = AttachNew(conn, recorder, api);
  state->brokered = brokered.active;
  state->target = brokered.target;
  state->brokered_user = brokered.username;
  state->actor = brokered.actor;
  state->password_ignored = brokered.password_ignored;
  return state;
}

// A connection libpq returned: attach, then journal its start (it is
// already up) or its failure; one still starting is left to PQconnectPoll. A
// session that cannot be journaled is closed and refused.
PGconn* AfterConnect(PGconn* conn, journal::Recorder* recorder, const char* api,
                     const Brokered& brokered) {
  if (conn == nullptr) return nullptr;
  Status st = Safely([&] {
    ConnState* state = Attach(conn, recorder, api, brokered);
    ConnStatusType status = R().PQstatus(conn);
    if (status == CONNECTION_BAD) RecordConnectFailed(state);
    return status == CONNECTION_OK ? OpenSession(state) : Status::OK();
  });
  if (st.ok()) return conn;
  DetachState(conn);
  R().PQfinish(conn);
  return MakeRefusedConn(st, api);
}

// Runs a connect call after the pre-connect checks. `parse` gives the
// arguments as ConnectArgs (needed only with identity); `call` is the
// program's own call, used unless broker credentials are injected.
template <typename Parse, typename Call>
PGconn* Connect(const char* api, Parse&& parse, Call&& call) {
  CallScope scope;
  if (!scope.outer()) return call();
  journal::Recorder* recorder = nullptr;
  Brokered brokered;
  Status st = Safely([&] {
    PQWARD_RETURN_IF_ERROR(PrepareConnect(&recorder));
    if (!IdentityEnabled()) return Status::OK();
    ConnectArgs args;
    PQWARD_RETURN_IF_ERROR(parse(&args));
    return ApplyIdentity(std::move(args), &brokered);
  });
  if (!st.ok()) return MakeRefusedConn(st, api);
  if (!brokered.active) return AfterConnect(call(), recorder, api, brokered);
  const char* const* keywords = nullptr;
  const char* const* values = nullptr;
  brokered.args.Arrays(&keywords, &values);
  bool async = std::string_view(api).starts_with("PQconnectStart");
  PGconn* conn = async ? R().PQconnectStartParams(keywords, values, 0)
                       : R().PQconnectdbParams(keywords, values, 0);
  return AfterConnect(conn, recorder, api, brokered);
}

PGconn* W_PQconnectdb(const char* conninfo) {
  return Connect(
      "PQconnectdb", [&](ConnectArgs* a) { return ConnectArgs::FromConninfo(conninfo, a); },
      [&] { return R().PQconnectdb(conninfo); });
}

PGconn* W_PQconnectdbParams(const char* const* keywords, const char* const* values,
                            int expand_dbname) {
  return Connect(
      "PQconnectdbParams",
      [&](ConnectArgs* a) { return ConnectArgs::FromParams(keywords, values, expand_dbname, a); },
      [&] { return R().PQconnectdbParams(keywords, values, expand_dbname); });
}

PGconn* W_PQsetdbLogin(const char* host, const char* port, const char* options, const char* tty,
                       const char* db, const char* login, const char* pwd) {
  return Connect(
      "PQsetdbLogin",
      [&](ConnectArgs* a) {
        return ConnectArgs::FromSetdbLogin(host, port, options, tty, db, login, pwd, a);
      },
      [&] { return R().PQsetdbLogin(host, port, options, tty, db, login, pwd); });
}

PGconn* W_PQconnectStart(const char* conninfo) {
  return Connect(
      "PQconnectStart", [&](ConnectArgs* a) { return ConnectArgs::FromConninfo(conninfo, a); },
      [&] { return R().PQconnectStart(conninfo); });
}

PGconn* W_PQconnectStartParams(const char* const* keywords, const char* const* values,
                               int expand_dbname) {
  return Connect(
      "PQconnectStartParams",
      [&](ConnectArgs* a) { return ConnectArgs::FromParams(keywords, values, expand_dbname, a); },
      [&] { return R().PQconnectStartParams(keywords, values, expand_dbname); });
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

// Before a reset: pending statements are abandoned; a brokered connection
// needs its lease renewed (libpq reconnects with the stored password).
bool BeforeReset(PGconn* conn) {
  ConnState* st = FindState(conn);
  if (st == nullptr) return true;
  Status renewed = Safely([&] {
    AbandonAll(st);
    if (!st->brokered) return Status::OK();
    return RenewBeforeReset(st->target, st->brokered_user);
  });
  if (!renewed.ok()) RefuseConn(st, renewed);
  return renewed.ok();
}

// PQreset keeps the journal session: the program sees one connection.
void W_PQreset(PGconn* conn) {
  CallScope scope;
  if (scope.outer() && !BeforeReset(conn)) return;
  R().PQreset(conn);
}

int W_PQresetStart(PGconn* conn) {
  CallScope scope;
  if (scope.outer() && !BeforeReset(conn)) return 0;
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

// The program never sees a broker credential.
char* W_PQpass(const PGconn* conn) {
  ConnState* st = FindState(conn);
  if (st != nullptr && st->brokered) return const_cast<char*>("");
  return R().PQpass(conn);
}

PQconninfoOption* W_PQconninfo(PGconn* conn) {
  PQconninfoOption* options = R().PQconninfo(conn);
  ConnState* st = FindState(conn);
  if (options == nullptr || st == nullptr || !st->brokered) return options;
  for (PQconninfoOption* o = options; o->keyword != nullptr; o++) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) {
      free(o->val);  // libpq allocates option values with malloc
      o->val = nullptr;
    }
  }
  return options;
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
  api->PQpass = W_PQpass;
  api->PQconninfo = W_PQconninfo;
}

}  // namespace pqward::interpose
