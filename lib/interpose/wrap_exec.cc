// Statement paths: the synchronous PQexec family, the asynchronous PQsend*
// family with PQgetResult (single-row and pipeline mode included), and
// PQsetClientEncoding. Each records the statement at the outermost call.
#include "interpose/capture.h"
#include "interpose/conn_state.h"
#include "interpose/guard.h"
#include "interpose/real.h"
#include "interpose/record.h"
#include "interpose/refusal.h"
#include "interpose/wrap.h"
#include "util/text.h"

namespace pqward::interpose {

namespace {

const pqw_api& R() {
  return Real();
}

void SetParams(Submission* sub, int n, const char* const* values, const int* lengths,
               const int* formats) {
  CaptureParams(n, values, lengths, formats, &sub->spare_params, &sub->event.params);
}

void SetName(Submission* sub, const char* name) {
  SetText(&sub->event.statement_name, name != nullptr ? name : "");
}

// The text a prepared statement was prepared with, if pqward saw it.
const char* PreparedText(ConnState* st, const char* name) {
  auto it = st->prepared.find(std::string_view(name != nullptr ? name : ""));
  return it == st->prepared.end() ? nullptr : it->second.c_str();
}

// An asynchronous send: queue, send, fill, and unqueue again if libpq refused
// it. The statement's slot is reset and filled in (its text copied, its
// parameters captured) after it was sent, while the server works on it: off
// its round trip. A failure to fill refuses the connection from then on.
template <typename Fill, typename Call>
int SendCall(PGconn* conn, Fill&& fill, Call&& call) {
  CallScope scope;
  ConnState* st = scope.outer() ? FindState(conn) : nullptr;
  if (st == nullptr) return call();
  Submission* sub = nullptr;
  SendStart start;
  Status begun = Safely([&] { return BeginSend(st, &sub, &start); });
  if (!begun.ok()) {
    st->error_override = RefusalText(begun);
    return 0;
  }
  int ok = call();
  Status filled = Safely([&] {
    FillSent(sub, start, [&](Submission* s) { fill(st, s); });
    if (!ok) SendFailed(st);
    return Status::OK();
  });
  if (!filled.ok()) RefuseConn(st, filled);
  return ok;
}

PGresult* W_PQexec(PGconn* conn, const char* query) {
  return SyncCall(
      conn, [&](ConnState*, Submission* sub) { SetStatement(sub, "query", "PQexec", query); },
      [&] { return R().PQexec(conn, query); });
}

void FillQueryParams(Submission* sub, const char* api, const char* command, int n,
                     const char* const* values, const int* lengths, const int* formats) {
  SetStatement(sub, "query", api, command);
  SetParams(sub, n, values, lengths, formats);
}

PGresult* W_PQexecParams(PGconn* conn, const char* command, int n, const Oid* types,
                         const char* const* values, const int* lengths, const int* formats,
                         int result_format) {
  return SyncCall(
      conn,
      [&](ConnState*, Submission* sub) {
        FillQueryParams(sub, "PQexecParams", command, n, values, lengths, formats);
      },
      [&] {
        return R().PQexecParams(conn, command, n, types, values, lengths, formats, result_format);
      });
}

void FillPrepare(Submission* sub, const char* api, const char* name, const char* query) {
  SetStatement(sub, "prepare", api, query);
  SetName(sub, name);  // the name the text is bound to on success (OnResult)
}

PGresult* W_PQprepare(PGconn* conn, const char* name, const char* query, int n, const Oid* types) {
  return SyncCall(
      conn, [&](ConnState*, Submission* sub) { FillPrepare(sub, "PQprepare", name, query); },
      [&] { return R().PQprepare(conn, name, query, n, types); });
}

void FillExecute(ConnState* st, Submission* sub, const char* api, const char* name, int n,
                 const char* const* values, const int* lengths, const int* formats) {
  SetStatement(sub, "execute", api, PreparedText(st, name));
  SetName(sub, name);
  SetParams(sub, n, values, lengths, formats);
}

PGresult* W_PQexecPrepared(PGconn* conn, const char* name, int n, const char* const* values,
                           const int* lengths, const int* formats, int result_format) {
  return SyncCall(
      conn,
      [&](ConnState* st, Submission* sub) {
        FillExecute(st, sub, "PQexecPrepared", name, n, values, lengths, formats);
      },
      [&] { return R().PQexecPrepared(conn, name, n, values, lengths, formats, result_format); });
}

void FillDescribe(ConnState* st, Submission* sub, const char* api, const char* name, bool portal) {
  SetStatement(sub, "describe", api, portal ? nullptr : PreparedText(st, name));
  SetName(sub, name);
  sub->event.extra["target"] = portal ? "portal" : "statement";
}

PGresult* W_PQdescribePrepared(PGconn* conn, const char* name) {
  return SyncCall(
      conn,
      [&](ConnState* st, Submission* sub) {
        FillDescribe(st, sub, "PQdescribePrepared", name, false);
      },
      [&] { return R().PQdescribePrepared(conn, name); });
}

PGresult* W_PQdescribePortal(PGconn* conn, const char* name) {
  return SyncCall(
      conn,
      [&](ConnState* st, Submission* sub) {
        FillDescribe(st, sub, "PQdescribePortal", name, true);
      },
      [&] { return R().PQdescribePortal(conn, name); });
}

int W_PQsendQuery(PGconn* conn, const char* query) {
  return SendCall(
      conn, [&](ConnState*, Submission* sub) { SetStatement(sub, "query", "PQsendQuery", query); },
      [&] { return R().PQsendQuery(conn, query); });
}

int W_PQsendQueryParams(PGconn* conn, const char* command, int n, const Oid* types,
                        const char* const* values, const int* lengths, const int* formats,
                        int result_format) {
  return SendCall(
      conn,
      [&](ConnState*, Submission* sub) {
        FillQueryParams(sub, "PQsendQueryParams", command, n, values, lengths, formats);
      },
      [&] {
        return R().PQsendQueryParams(conn, command, n, types, values, lengths, formats,
                                     result_format);
      });
}

int W_PQsendPrepare(PGconn* conn, const char* name, const char* query, int n, const Oid* types) {
  return SendCall(
      conn, [&](ConnState*, Submission* sub) { FillPrepare(sub, "PQsendPrepare", name, query); },
      [&] { return R().PQsendPrepare(conn, name, query, n, types); });
}

int W_PQsendQueryPrepared(PGconn* conn, const char* name, int n, const char* const* values,
                          const int* lengths, const int* formats, int result_format) {
  return SendCall(
      conn,
      [&](ConnState* st, Submission* sub) {
        FillExecute(st, sub, "PQsendQueryPrepared", name, n, values, lengths, formats);
      },
      [&] {
        return R().PQsendQueryPrepared(conn, name, n, values, lengths, formats, result_format);
      });
}

int W_PQsendDescribePrepared(PGconn* conn, const char* name) {
  return SendCall(
      conn,
      [&](ConnState* st, Submission* sub) {
        FillDescribe(st, sub, "PQsendDescribePrepared", name, false);
      },
      [&] { return R().PQsendDescribePrepared(conn, name); });
}

int W_PQsendDescribePortal(PGconn* conn, const char* name) {
  return SendCall(
      conn,
      [&](ConnState* st, Submission* sub) {
        FillDescribe(st, sub, "PQsendDescribePortal", name, true);
      },
      [&] { return R().PQsendDescribePortal(conn, name); });
}

PGresult* W_PQgetResult(PGconn* conn) {
  CallScope scope;
  ConnState* st = scope.outer() ? FindState(conn) : nullptr;
  PGresult* res = R().PQgetResult(conn);
  if (st == nullptr) return res;
  PGresult* out = res;
  Status recorded = Safely([&] {
    out = OnResult(st, res);
    return Status::OK();
  });
  if (recorded.ok()) return out;
  if (res != nullptr) R().PQclear(res);
  RefuseConn(st, recorded);
  return MakeErrorResult(st, recorded);
}

int W_PQpipelineSync(PGconn* conn) {
  CallScope scope;
  ConnState* st = scope.outer() ? FindState(conn) : nullptr;
  int ok = R().PQpipelineSync(conn);
  if (ok && st != nullptr) OnPipelineSync(st);
  return ok;
}

int W_PQenterPipelineMode(PGconn* conn) {
  int ok = R().PQenterPipelineMode(conn);
  ConnState* st = FindState(conn);
  if (ok && st != nullptr) st->pipeline = true;
  return ok;
}

int W_PQexitPipelineMode(PGconn* conn) {
  int ok = R().PQexitPipelineMode(conn);
  ConnState* st = FindState(conn);
  if (ok && st != nullptr) st->pipeline = false;
  return ok;
}

// libpq runs "set client_encoding" through PQexec inside; record it once here.
int W_PQsetClientEncoding(PGconn* conn, const char* encoding) {
  std::string sql = std::string("SET client_encoding TO '") + (encoding ? encoding : "") + "'";
  int rc = -1;
  PGresult* res = SyncCall(
      conn,
      [&](ConnState*, Submission* sub) {
        SetStatement(sub, "query", "PQsetClientEncoding", sql.c_str());
      },
      [&]() -> PGresult* {
        rc = R().PQsetClientEncoding(conn, encoding);
        return R().PQmakeEmptyPGresult(conn, rc == 0 ? PGRES_COMMAND_OK : PGRES_FATAL_ERROR);
      });
  if (res != nullptr && R().PQresultStatus(res) == PGRES_FATAL_ERROR && rc == 0) rc = -1;
  if (res != nullptr) R().PQclear(res);
  return rc;
}

}  // namespace

void InstallExecWrappers(pqw_api* api) {
  api->PQexec = W_PQexec;
  api->PQexecParams = W_PQexecParams;
  api->PQprepare = W_PQprepare;
  api->PQexecPrepared = W_PQexecPrepared;
  api->PQdescribePrepared = W_PQdescribePrepared;
  api->PQdescribePortal = W_PQdescribePortal;
  api->PQsendQuery = W_PQsendQuery;
  api->PQsendQueryParams = W_PQsendQueryParams;
  api->PQsendPrepare = W_PQsendPrepare;
  api->PQsendQueryPrepared = W_PQsendQueryPrepared;
  api->PQsendDescribePrepared = W_PQsendDescribePrepared;
  api->PQsendDescribePortal = W_PQsendDescribePortal;
  api->PQgetResult = W_PQgetResult;
  api->PQpipelineSync = W_PQpipelineSync;
  api->PQenterPipelineMode = W_PQenterPipelineMode;
  api->PQexitPipelineMode = W_PQexitPipelineMode;
  api->PQsetClientEncoding = W_PQsetClientEncoding;
}

}  // namespace pqward::interpose
