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

namespace pqward::interpose {

namespace {

const pqw_api& R() {
  return Real();
}

Submission WithParams(Submission sub, int n, const char* const* values, const int* lengths,
                      const int* formats) {
  sub.event.params = CaptureParams(n, values, lengths, formats);
  return sub;
}

Submission Named(Submission sub, const char* name) {
  sub.event.statement_name = name != nullptr ? name : "";
  return sub;
}

// The text a prepared statement was prepared with, if pqward saw it.
const char* PreparedText(ConnState* st, const char* name) {
  auto it = st->prepared.find(name != nullptr ? name : "");
  return it == st->prepared.end() ? nullptr : it->second.c_str();
}

// An asynchronous send: queue, send, and unqueue again if libpq refused it.
template <typename MakeSub, typename Call>
int SendCall(PGconn* conn, MakeSub&& make_sub, Call&& call) {
  CallScope scope;
  ConnState* st = scope.outer() ? FindState(conn) : nullptr;
  if (st == nullptr) return call();
  Status begun = Safely([&] { return Begin(st, [&] { return make_sub(st); }); });
  if (!begun.ok()) {
    st->error_override = RefusalText(begun);
    return 0;
  }
  int ok = call();
  if (!ok) {
    (void)Safely([&] {
      SendFailed(st);
      return Status::OK();
    });
  }
  return ok;
}

PGresult* W_PQexec(PGconn* conn, const char* query) {
  return SyncCall(
      conn, [&](ConnState*) { return NewSubmission("query", "PQexec", query); },
      [&] { return R().PQexec(conn, query); });
}

PGresult* W_PQexecParams(PGconn* conn, const char* command, int n, const Oid* types,
                         const char* const* values, const int* lengths, const int* formats,
                         int result_format) {
  return SyncCall(
      conn,
      [&](ConnState*) {
        return WithParams(NewSubmission("query", "PQexecParams", command), n, values, lengths,
                          formats);
      },
      [&] {
        return R().PQexecParams(conn, command, n, types, values, lengths, formats, result_format);
      });
}

Submission PrepareSub(const char* api, const char* name, const char* query) {
  Submission sub = Named(NewSubmission("prepare", api, query), name);
  sub.prepare_name = name != nullptr ? name : "";
  return sub;
}

PGresult* W_PQprepare(PGconn* conn, const char* name, const char* query, int n, const Oid* types) {
  return SyncCall(
      conn, [&](ConnState*) { return PrepareSub("PQprepare", name, query); },
      [&] { return R().PQprepare(conn, name, query, n, types); });
}

Submission ExecuteSub(ConnState* st, const char* api, const char* name, int n,
                      const char* const* values, const int* lengths, const int* formats) {
  return WithParams(Named(NewSubmission("execute", api, PreparedText(st, name)), name), n, values,
                    lengths, formats);
}

PGresult* W_PQexecPrepared(PGconn* conn, const char* name, int n, const char* const* values,
                           const int* lengths, const int* formats, int result_format) {
  return SyncCall(
      conn,
      [&](ConnState* st) {
        return ExecuteSub(st, "PQexecPrepared", name, n, values, lengths, formats);
      },
      [&] { return R().PQexecPrepared(conn, name, n, values, lengths, formats, result_format); });
}

Submission DescribeSub(ConnState* st, const char* api, const char* name, bool portal) {
  Submission sub =
      Named(NewSubmission("describe", api, portal ? nullptr : PreparedText(st, name)), name);
  sub.event.extra["target"] = portal ? "portal" : "statement";
  return sub;
}

PGresult* W_PQdescribePrepared(PGconn* conn, const char* name) {
  return SyncCall(
      conn, [&](ConnState* st) { return DescribeSub(st, "PQdescribePrepared", name, false); },
      [&] { return R().PQdescribePrepared(conn, name); });
}

PGresult* W_PQdescribePortal(PGconn* conn, const char* name) {
  return SyncCall(
      conn, [&](ConnState* st) { return DescribeSub(st, "PQdescribePortal", name, true); },
      [&] { return R().PQdescribePortal(conn, name); });
}

int W_PQsendQuery(PGconn* conn, const char* query) {
  return SendCall(
      conn, [&](ConnState*) { return NewSubmission("query", "PQsendQuery", query); },
      [&] { return R().PQsendQuery(conn, query); });
}

int W_PQsendQueryParams(PGconn* conn, const char* command, int n, const Oid* types,
                        const char* const* values, const int* lengths, const int* formats,
                        int result_format) {
  return SendCall(
      conn,
      [&](ConnState*) {
        return WithParams(NewSubmission("query", "PQsendQueryParams", command), n, values, lengths,
                          formats);
      },
      [&] {
        return R().PQsendQueryParams(conn, command, n, types, values, lengths, formats,
                                     result_format);
      });
}

int W_PQsendPrepare(PGconn* conn, const char* name, const char* query, int n, const Oid* types) {
  return SendCall(
      conn, [&](ConnState*) { return PrepareSub("PQsendPrepare", name, query); },
      [&] { return R().PQsendPrepare(conn, name, query, n, types); });
}

int W_PQsendQueryPrepared(PGconn* conn, const char* name, int n, const char* const* values,
                          const int* lengths, const int* formats, int result_format) {
  return SendCall(
      conn,
      [&](ConnState* st) {
        return ExecuteSub(st, "PQsendQueryPrepared", name, n, values, lengths, formats);
      },
      [&] {
        return R().PQsendQueryPrepared(conn, name, n, values, lengths, formats, result_format);
      });
}

int W_PQsendDescribePrepared(PGconn* conn, const char* name) {
  return SendCall(
      conn, [&](ConnState* st) { return DescribeSub(st, "PQsendDescribePrepared", name, false); },
      [&] { return R().PQsendDescribePrepared(conn, name); });
}

int W_PQsendDescribePortal(PGconn* conn, const char* name) {
  return SendCall(
      conn, [&](ConnState* st) { return DescribeSub(st, "PQsendDescribePortal", name, true); },
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
      conn, [&](ConnState*) { return NewSubmission("query", "PQsetClientEncoding", sql.c_str()); },
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
