// Fast-path and large objects: PQfn and every lo_* call. libpq implements
// lo_* with PQfn inside; only the outer call is journaled, as kind
// "large_object" with the object, descriptor and byte counts, or kind
// "fastpath" with the function OID. Their data cannot be masked.
#include <sys/stat.h>

#include "interpose/capture.h"
#include "interpose/conn_state.h"
#include "interpose/guard.h"
#include "interpose/masking.h"
#include "interpose/real.h"
#include "interpose/record.h"
#include "interpose/refusal.h"
#include "interpose/wrap.h"
#include "util/clock.h"

namespace pqward::interpose {

namespace {

const pqw_api& R() {
  return Real();
}

int64_t FileSize(const char* path) {
  struct stat sb;
  return path != nullptr && stat(path, &sb) == 0 ? static_cast<int64_t>(sb.st_size) : -1;
}

// Runs one large-object call and journals it. `ok` says whether the return
// value means success; `describe` adds call-specific details to extra.
template <typename Ret, typename Call, typename Ok, typename Describe>
Ret LargeObject(PGconn* conn, const char* api, Ret refused, Call&& call, Ok&& ok,
                Describe&& describe) {
  CallScope scope;
  ConnState* st = scope.outer() ? FindState(conn) : nullptr;
  if (st == nullptr) return call();
  Status allowed = st->refused.ok() ? CheckLargeObjects() : st->refused;
  if (!allowed.ok()) {
    st->error_override = RefusalText(allowed);
    return refused;
  }
  int64_t wall = NowWallUs();
  int64_t t0 = NowMonoUs();
  Ret r = call();
  Status recorded = Safely([&] {
    journal::Event ev;
    ev.kind = "large_object";
    ev.api = api;
    ev.started_at_us = wall;
    ev.duration_us = NowMonoUs() - t0;
    ev.extra["op"] = std::string(api).substr(3);
    ev.extra["result"] = static_cast<int64_t>(r);
    describe(ev.extra, r);
    ev.status = ok(r) ? "PGRES_COMMAND_OK" : "PGRES_FATAL_ERROR";
    if (!ok(r)) ev.error = journal::Error{"", ConnError(conn)};
    return AppendEvent(st, &ev);
  });
  if (recorded.ok()) return r;
  st->error_override = RefusalText(recorded);
  return refused;
}

bool NonNegative(int64_t r) {
  return r >= 0;
}
bool ValidOid(Oid r) {
  return r != InvalidOid;
}

int W_lo_open(PGconn* conn, Oid oid, int mode) {
  return LargeObject(
      conn, "lo_open", -1, [&] { return R().lo_open(conn, oid, mode); }, NonNegative,
      [&](nlohmann::json& x, int) { x["oid"] = oid, x["mode"] = mode; });
}

int W_lo_close(PGconn* conn, int fd) {
  return LargeObject(
      conn, "lo_close", -1, [&] { return R().lo_close(conn, fd); }, NonNegative,
      [&](nlohmann::json& x, int) { x["fd"] = fd; });
}

int W_lo_read(PGconn* conn, int fd, char* buf, size_t len) {
  return LargeObject(
      conn, "lo_read", -1, [&] { return R().lo_read(conn, fd, buf, len); }, NonNegative,
      [&](nlohmann::json& x, int r) { x["fd"] = fd, x["bytes"] = r > 0 ? r : 0; });
}

int W_lo_write(PGconn* conn, int fd, const char* buf, size_t len) {
  return LargeObject(
      conn, "lo_write", -1, [&] { return R().lo_write(conn, fd, buf, len); }, NonNegative,
      [&](nlohmann::json& x, int r) { x["fd"] = fd, x["bytes"] = r > 0 ? r : 0; });
}

int W_lo_lseek(PGconn* conn, int fd, int offset, int whence) {
  return LargeObject(
      conn, "lo_lseek", -1, [&] { return R().lo_lseek(conn, fd, offset, whence); }, NonNegative,
      [&](nlohmann::json& x, int) { x["fd"] = fd, x["offset"] = offset, x["whence"] = whence; });
}

pg_int64 W_lo_lseek64(PGconn* conn, int fd, pg_int64 offset, int whence) {
  return LargeObject(
      conn, "lo_lseek64", pg_int64{-1}, [&] { return R().lo_lseek64(conn, fd, offset, whence); },
      NonNegative,
      [&](nlohmann::json& x, pg_int64) {
        x["fd"] = fd, x["offset"] = static_cast<int64_t>(offset), x["whence"] = whence;
      });
}

Oid W_lo_creat(PGconn* conn, int mode) {
  return LargeObject(
      conn, "lo_creat", Oid{InvalidOid}, [&] { return R().lo_creat(conn, mode); }, ValidOid,
      [&](nlohmann::json& x, Oid r) { x["oid"] = r, x["mode"] = mode; });
}

Oid W_lo_create(PGconn* conn, Oid oid) {
  return LargeObject(
      conn, "lo_create", Oid{InvalidOid}, [&] { return R().lo_create(conn, oid); }, ValidOid,
      [&](nlohmann::json& x, Oid r) { x["oid"] = r; });
}

int W_lo_tell(PGconn* conn, int fd) {
  return LargeObject(
      conn, "lo_tell", -1, [&] { return R().lo_tell(conn, fd); }, NonNegative,
      [&](nlohmann::json& x, int) { x["fd"] = fd; });
}

pg_int64 W_lo_tell64(PGconn* conn, int fd) {
  return LargeObject(
      conn, "lo_tell64", pg_int64{-1}, [&] { return R().lo_tell64(conn, fd); }, NonNegative,
      [&](nlohmann::json& x, pg_int64) { x["fd"] = fd; });
}

int W_lo_truncate(PGconn* conn, int fd, size_t len) {
  return LargeObject(
      conn, "lo_truncate", -1, [&] { return R().lo_truncate(conn, fd, len); }, NonNegative,
      [&](nlohmann::json& x, int) { x["fd"] = fd, x["length"] = len; });
}

int W_lo_truncate64(PGconn* conn, int fd, pg_int64 len) {
  return LargeObject(
      conn, "lo_truncate64", -1, [&] { return R().lo_truncate64(conn, fd, len); }, NonNegative,
      [&](nlohmann::json& x, int) { x["fd"] = fd, x["length"] = static_cast<int64_t>(len); });
}

int W_lo_unlink(PGconn* conn, Oid oid) {
  return LargeObject(
      conn, "lo_unlink", -1, [&] { return R().lo_unlink(conn, oid); }, NonNegative,
      [&](nlohmann::json& x, int) { x["oid"] = oid; });
}

Oid W_lo_import(PGconn* conn, const char* filename) {
  return LargeObject(
      conn, "lo_import", Oid{InvalidOid}, [&] { return R().lo_import(conn, filename); }, ValidOid,
      [&](nlohmann::json& x, Oid r) {
        x["oid"] = r, x["file"] = filename ? filename : "", x["bytes"] = FileSize(filename);
      });
}

Oid W_lo_import_with_oid(PGconn* conn, const char* filename, Oid oid) {
  return LargeObject(
      conn, "lo_import_with_oid", Oid{InvalidOid},
      [&] { return R().lo_import_with_oid(conn, filename, oid); }, ValidOid,
      [&](nlohmann::json& x, Oid r) {
        x["oid"] = r, x["file"] = filename ? filename : "", x["bytes"] = FileSize(filename);
      });
}

int W_lo_export(PGconn* conn, Oid oid, const char* filename) {
  return LargeObject(
      conn, "lo_export", -1, [&] { return R().lo_export(conn, oid, filename); },
      [](int r) { return r == 1; },
      [&](nlohmann::json& x, int) {
        x["oid"] = oid, x["file"] = filename ? filename : "", x["bytes"] = FileSize(filename);
      });
}

PGresult* W_PQfn(PGconn* conn, int fnid, int* result_buf, int* result_len, int result_is_int,
                 const PQArgBlock* args, int nargs) {
  CallScope scope;
  ConnState* st = scope.outer() ? FindState(conn) : nullptr;
  if (st != nullptr) {
    Status allowed = CheckLargeObjects();
    if (!allowed.ok()) return MakeErrorResult(st, allowed);
  }
  return SyncCall(
      conn,
      [&](ConnState*, Submission* sub) {
        SetStatement(sub, "fastpath", "PQfn", nullptr);
        sub->event.extra["fnid"] = fnid;
        sub->event.extra["nargs"] = nargs;
      },
      [&] { return R().PQfn(conn, fnid, result_buf, result_len, result_is_int, args, nargs); });
}

}  // namespace

void InstallLargeObjectWrappers(pqw_api* api) {
  api->lo_open = W_lo_open;
  api->lo_close = W_lo_close;
  api->lo_read = W_lo_read;
  api->lo_write = W_lo_write;
  api->lo_lseek = W_lo_lseek;
  api->lo_lseek64 = W_lo_lseek64;
  api->lo_creat = W_lo_creat;
  api->lo_create = W_lo_create;
  api->lo_tell = W_lo_tell;
  api->lo_tell64 = W_lo_tell64;
  api->lo_truncate = W_lo_truncate;
  api->lo_truncate64 = W_lo_truncate64;
  api->lo_unlink = W_lo_unlink;
  api->lo_import = W_lo_import;
  api->lo_import_with_oid = W_lo_import_with_oid;
  api->lo_export = W_lo_export;
  api->PQfn = W_PQfn;
}

}  // namespace pqward::interpose
