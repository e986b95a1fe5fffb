/*
 * bench_client.c: the C libpq client the benchmarks run, linked with plain
 * -lpq so the same binary runs with and without pqward (LD_PRELOAD).
 *
 *   bench_client queries N     N one-row SELECTs (callgrind per-statement cost)
 *   bench_client fetch SQL     one query, touches every value (large results)
 *   bench_client copyout SQL   COPY (SQL) TO STDOUT, reads every row
 *
 * Connection from the PG* environment. Prints "rows=<n> bytes=<n>"; queries
 * adds "read=<n>", the bytes the process has read from files so far
 * (/proc/self/io rchar: with pqward, mostly its journal writer's SQLite reads).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(PGconn* conn, const char* what) {
  fprintf(stderr, "bench_client: %s: %s", what, PQerrorMessage(conn));
  PQfinish(conn);
  return 1;
}

static long bytes_read(void) {
  FILE* f = fopen("/proc/self/io", "r");
  long rchar = -1;
  if (f == NULL) return -1;
  if (fscanf(f, "rchar: %ld", &rchar) != 1) rchar = -1;
  fclose(f);
  return rchar;
}

static int run_queries(PGconn* conn, long n) {
  for (long i = 0; i < n; i++) {
    PGresult* res = PQexec(conn, "select 1");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) return fail(conn, "select 1");
    PQclear(res);
  }
  printf("rows=%ld bytes=0 read=%ld\n", n, bytes_read());
  return 0;
}

static int run_fetch(PGconn* conn, const char* sql) {
  PGresult* res = PQexec(conn, sql);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) return fail(conn, "fetch");
  long bytes = 0;
  int rows = PQntuples(res), cols = PQnfields(res);
  for (int r = 0; r < rows; r++) {
    for (int c = 0; c < cols; c++) bytes += (long)strlen(PQgetvalue(res, r, c));
  }
  PQclear(res);
  printf("rows=%d bytes=%ld\n", rows, bytes);
  return 0;
}

static int run_copyout(PGconn* conn, const char* sql) {
  char* stmt = malloc(strlen(sql) + 32);
  sprintf(stmt, "COPY (%s) TO STDOUT", sql);
  PGresult* res = PQexec(conn, stmt);
  free(stmt);
  if (PQresultStatus(res) != PGRES_COPY_OUT) return fail(conn, "copy");
  PQclear(res);
  long rows = 0, bytes = 0;
  char* buf;
  int n;
  while ((n = PQgetCopyData(conn, &buf, 0)) > 0) {
    rows++;
    bytes += n;
    PQfreemem(buf);
  }
  res = PQgetResult(conn);
  if (PQresultStatus(res) != PGRES_COMMAND_OK) return fail(conn, "copy end");
  PQclear(res);
  printf("rows=%ld bytes=%ld\n", rows, bytes);
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bench_client queries N | fetch SQL | copyout SQL\n");
    return 2;
  }
  PGconn* conn = PQconnectdb("");
  if (PQstatus(conn) != CONNECTION_OK) return fail(conn, "connect");
  int rc = 2;
  if (strcmp(argv[1], "queries") == 0) rc = run_queries(conn, atol(argv[2]));
  if (strcmp(argv[1], "fetch") == 0) rc = run_fetch(conn, argv[2]);
  if (strcmp(argv[1], "copyout") == 0) rc = run_copyout(conn, argv[2]);
  if (rc == 0) PQfinish(conn);
  return rc;
}
