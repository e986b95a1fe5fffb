// Session start/end and connect failures; see session.h.
#include "interpose/session.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "interpose/capture.h"
#include "interpose/masking.h"
#include "interpose/real.h"
#include "interpose/record.h"
#include "interpose/runtime.h"
#include "pqward_build_config.h"
#include "util/clock.h"

namespace pqward::interpose {

namespace {

nlohmann::json ProcessInfo() {
  nlohmann::json info = nlohmann::json::object();
  info["pid"] = static_cast<int64_t>(getpid());
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  info["exe"] = n > 0 ? std::string(exe, static_cast<size_t>(n)) : "";
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  nlohmann::json argv = nlohmann::json::array();
  for (size_t start = 0; start < raw.size();) {
    size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    argv.push_back(raw.substr(start, end - start));
    start = end + 1;
  }
  info["argv"] = argv;
  passwd* pw = getpwuid(geteuid());
  info["os_user"] = pw != nullptr ? pw->pw_name : std::to_string(geteuid());
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  info["client_host"] = host;
  return info;
}

nlohmann::json Actor(const nlohmann::json& process) {
  const char* env = std::getenv("PQWARD_ACTOR");
  if (env != nullptr && *env != '\0') return {{"source", "env"}, {"name", env}};
  return {{"source", "os"}, {"name", process["os_user"]}};
}

std::string OrEmpty(const char* s) {
  return s != nullptr ? s : "";
}

journal::Event SessionEvent(ConnState* st, const char* kind) {
  journal::Event ev;
  ev.kind = kind;
  ev.api = st->connect_api;
  ev.started_at_us = NowWallUs();
  ev.extra = ProcessInfo();
  const pqw_api& r = Real();
  ev.extra["server_host"] = OrEmpty(r.PQhost(st->conn));
  ev.extra["server_port"] = OrEmpty(r.PQport(st->conn));
  ev.extra["dbname"] = OrEmpty(r.PQdb(st->conn));
  ev.extra["db_user"] = OrEmpty(r.PQuser(st->conn));
  ev.extra["application_name"] = OrEmpty(r.PQparameterStatus(st->conn, "application_name"));
  ev.extra["pqward_version"] = PQWARD_VERSION;
  ev.extra["actor"] = st->actor.is_null() ? Actor(ev.extra) : st->actor;
  ev.extra["brokered"] = st->brokered;
  if (st->password_ignored) ev.extra["password_ignored"] = true;
  return ev;
}

}  // namespace

Status PrepareConnect(journal::Recorder** recorder) {
  *recorder = nullptr;
  Status config_status;
  const Config& config = GetConfig(&config_status);
  if (!config_status.ok()) return config_status;
  const mask::Masker* masker = nullptr;
  PQWARD_RETURN_IF_ERROR(GetMasker(&masker));  // a bad rule refuses, never runs unmasked
  Status st = GetRecorder(recorder);
  if (st.ok() || !config.journal.fail_open) return st;
  WarnOnce(st.message() + " (on_failure = \"allow\": connecting unrecorded)");
  return Status::OK();
}

ConnState* AttachNew(PGconn* conn, journal::Recorder* recorder, const char* api) {
  Status ignored;
  const Config& config = GetConfig(&ignored);
  ConnState* st = AttachState(conn);
  st->recorder = recorder;
  st->connect_api = api;
  st->capture_rows = config.journal.capture_rows;
  st->fail_open = config.journal.fail_open;
  st->chain = journal::Chain{journal::NewSessionId(), 0};
  return st;
}

Status OpenSession(ConnState* st) {
  if (st->session_open || !st->refused.ok()) return st->refused;
  PQWARD_RETURN_IF_ERROR(StartMasking(st));
  journal::Event ev = SessionEvent(st, "session_start");
  ev.status = "CONNECTION_OK";
  PQWARD_RETURN_IF_ERROR(AppendEvent(st, &ev));
  st->session_open = true;
  return Status::OK();
}

void RecordConnectFailed(ConnState* st) {
  if (!st->refused.ok() || st->session_open) return;
  journal::Event ev = SessionEvent(st, "connect_failed");
  ev.status = "CONNECTION_BAD";
  ev.error = journal::Error{"", ConnError(st->conn)};
  (void)AppendEvent(st, &ev);
  st->chain = journal::Chain{journal::NewSessionId(), 0};  // a retry is a new session
}

void CloseSession(ConnState* st) {
  if (!st->session_open) return;
  AbandonAll(st);
  journal::Event ev;
  ev.kind = "session_end";
  ev.api = "PQfinish";
  ev.status = "CLOSED";
  ev.started_at_us = NowWallUs();
  (void)AppendEvent(st, &ev);
  st->session_open = false;
}

}  // namespace pqward::interpose
