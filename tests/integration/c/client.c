/*
 * client.c: a C program linked against libpqward.so instead of -lpq, driving
 * the libpq paths the integration test checks in the journal: a binary
 * parameter, prepare/execute, async send + consume, single-row mode, pipeline
 * mode and a cancelled query. Prints one line per step.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "pqward/pqward.h"

static void die(PGconn* conn, const char* what) {
  fprintf(stderr, "client: %s: %s", what, PQerrorMessage(conn));
  exit(1);
}

static void expect(PGconn* conn, PGresult* res, ExecStatusType want, const char* what) {
  if (PQresultStatus(res) != want) die(conn, what);
}

/* Waits for input the libpq way: select() on the socket, then consume. */
static PGresult* next_result(PGconn* conn) {
  while (PQisBusy(conn)) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(PQsocket(conn), &fds);
    select(PQsocket(conn) + 1, &fds, NULL, NULL, NULL);
    if (!PQconsumeInput(conn)) die(conn, "consume");
  }
  return PQgetResult(conn);
}

/* SINGLE_ROW_QUERY set: prints that query's rows, fetched in single-row mode. */
static int single_row_only(PGconn* conn, const char* query) {
  if (!PQsendQuery(conn, query) || !PQsetSingleRowMode(conn)) die(conn, "single-row");
  PGresult* res;
  while ((res = next_result(conn)) != NULL) {
    for (int r = 0; r < PQntuples(res); r++) {
      for (int c = 0; c < PQnfields(res); c++) printf(c ? "|%s" : "%s", PQgetvalue(res, r, c));
      printf("\n");
    }
    PQclear(res);
  }
  PQfinish(conn);
  return 0;
}

int main(void) {
  PGconn* conn = PQconnectdb("");
  if (PQstatus(conn) != CONNECTION_OK) die(conn, "connect");
  const char* single_row = getenv("SINGLE_ROW_QUERY");
  if (single_row != NULL) return single_row_only(conn, single_row);
  printf("session %s\n", pqward_session_id(conn) ? "known" : "unknown");

  unsigned char raw[4] = {0, 0, 1, 2}; /* int4 258, binary */
  const char* values[1] = {(const char*)raw};
  int lengths[1] = {4}, formats[1] = {1};
  Oid types[1] = {23};
  PGresult* res = PQexecParams(conn, "select $1::int4 + 1", 1, types, values, lengths, formats, 0);
  expect(conn, res, PGRES_TUPLES_OK, "params");
  printf("params %s\n", PQgetvalue(res, 0, 0));
  PQclear(res);

  res = PQprepare(conn, "double_it", "select $1::int * 2", 1, NULL);
  expect(conn, res, PGRES_COMMAND_OK, "prepare");
  PQclear(res);
  const char* ten[1] = {"10"};
  res = PQexecPrepared(conn, "double_it", 1, ten, NULL, NULL, 0);
  expect(conn, res, PGRES_TUPLES_OK, "execute");
  printf("prepared %s\n", PQgetvalue(res, 0, 0));
  PQclear(res);

  if (!PQsendQuery(conn, "select count(*) from t")) die(conn, "send");
  res = next_result(conn);
  printf("async %s\n", PQgetvalue(res, 0, 0));
  PQclear(res);
  if (next_result(conn) != NULL) die(conn, "async end");

  /* Two statements in one send: two results, each journaled on its own. */
  if (!PQsendQuery(conn, "select 1 as a, 'x' as b; select 2 as c")) die(conn, "send two");
  int parts = 0;
  while ((res = next_result(conn)) != NULL) {
    expect(conn, res, PGRES_TUPLES_OK, "two statements");
    parts++;
    PQclear(res);
  }
  printf("parts %d\n", parts);

  if (!PQenterPipelineMode(conn)) die(conn, "pipeline");
  const char* one[1] = {"1"};
  PQsendQueryParams(conn, "select $1::int + 100", 1, NULL, one, NULL, NULL, 0);
  PQsendQueryParams(conn, "select $1::int + 200", 1, NULL, one, NULL, NULL, 0);
  PQpipelineSync(conn);
  /* Results until the sync point; NULLs separate the queries. */
  for (int nulls = 0; nulls < 4;) {
    res = PQgetResult(conn);
    if (res == NULL) {
      nulls++;
      continue;
    }
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_TUPLES_OK) printf("pipeline %s\n", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (st == PGRES_PIPELINE_SYNC) break;
    if (st != PGRES_TUPLES_OK) {
      fprintf(stderr, "client: unexpected %s in pipeline\n", PQresStatus(st));
      exit(1);
    }
  }
  if (!PQexitPipelineMode(conn)) die(conn, "exit pipeline");

  if (!PQsendQuery(conn, "select id from t order by id") || !PQsetSingleRowMode(conn))
    die(conn, "single-row");
  int rows = 0;
  while ((res = next_result(conn)) != NULL) {
    if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) rows++;
    PQclear(res);
  }
  printf("single-row %d\n", rows);

  if (!PQsendQuery(conn, "select pg_sleep(10)")) die(conn, "sleep");
  PGcancel* cancel = PQgetCancel(conn);
  char err[256];
  if (!PQcancel(cancel, err, sizeof err)) fprintf(stderr, "cancel: %s\n", err);
  PQfreeCancel(cancel);
  while ((res = next_result(conn)) != NULL) {
    printf("cancelled %s\n", PQresultErrorField(res, PG_DIAG_SQLSTATE));
    PQclear(res);
  }
  PQfinish(conn);
  return 0;
}
