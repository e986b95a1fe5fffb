// pqward sessions / export / verify: listing, JSON lines and the chain check.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>

#include "commands.h"
#include "journal/reader.h"

namespace pqward::cli {

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "pqward: %s\n", message.c_str());
  return code;
}

std::string IsoTime(int64_t us) {
  time_t secs = static_cast<time_t>(us / 1000000);
  tm utc;
  gmtime_r(&secs, &utc);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(us % 1000000));
  return buf;
}

int OpenReader(const std::string& path, std::unique_ptr<journal::Reader>* out) {
  Status st = journal::Reader::Open(path, out);
  if (st.code() == Status::Code::kNotFound) return Fail("no journal at " + path, 2);
  return st.ok() ? 0 : Fail(st.message(), 2);
}

// The full id of the one session whose id starts with `prefix`.
int ResolveSession(journal::Reader* reader, const std::string& prefix, journal::SessionRow* out) {
  std::vector<journal::SessionRow> rows;
  Status st = reader->Sessions(&rows);
  if (!st.ok()) return Fail(st.message(), 2);
  int found = 0;
  for (const auto& row : rows) {
    if (row.id.rfind(prefix, 0) == 0) *out = row, found++;
  }
  if (found == 1) return 0;
  return Fail(found == 0 ? "no session " + prefix : "session prefix " + prefix + " is ambiguous",
              1);
}

namespace {

std::string ActorName(const nlohmann::json& actor) {
  if (!actor.is_object()) return "-";
  for (const char* key : {"sub", "name", "client_id"}) {
    if (actor.contains(key) && actor[key].is_string()) return actor[key].get<std::string>();
  }
  return "-";
}

nlohmann::json ToJson(const journal::Event& ev, const nlohmann::json& actor) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : ev.columns) {
    columns.push_back({{"name", c.name},
                       {"type", c.type_oid},
                       {"table", c.table_oid},
                       {"column", c.table_column}});
  }
  auto values_json = [](const std::vector<journal::Value>& row) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : row) out.push_back(v ? nlohmann::json(*v) : nlohmann::json());
    return out;
  };
  nlohmann::json values = nlohmann::json::array();
  for (const auto& row : ev.values) values.push_back(values_json(row));
  nlohmann::json error;
  if (ev.error) error = {{"sqlstate", ev.error->sqlstate}, {"message", ev.error->message}};
  return {{"session", ev.session},
          {"seq", ev.seq},
          {"kind", ev.kind},
          {"api", ev.api},
          {"sql", ev.sql},
          {"params", ev.params ? values_json(*ev.params) : nlohmann::json()},
          {"statement_name", ev.statement_name},
          {"status", ev.status},
          {"command_tag", ev.command_tag},
          {"rows", ev.rows ? nlohmann::json(*ev.rows) : nlohmann::json()},
          {"columns", columns},
          {"values", values},
          {"error", error},
          {"started_at", IsoTime(ev.started_at_us)},
          {"duration_us", ev.duration_us},
          {"actor", actor},
          {"extra", ev.extra},
          {"hash", ev.hash},
          {"prev_hash", ev.prev_hash}};
}

}  // namespace

int Sessions(const std::string& path) {
  std::unique_ptr<journal::Reader> reader;
  if (int rc = OpenReader(path, &reader)) return rc;
  std::vector<journal::SessionRow> rows;
  Status st = reader->Sessions(&rows);
  if (!st.ok()) return Fail(st.message(), 2);
  for (const auto& r : rows) {
    std::string exe = r.info.value("exe", "");
    exe = exe.substr(exe.find_last_of('/') + 1);
    std::string ended = r.ended_at_us != 0
                            ? std::to_string((r.ended_at_us - r.started_at_us) / 1000) + "ms"
                            : "open";
    std::printf("%s  %s  %-8s pid %-7s %-10s %s@%s:%s/%s  %lld events  %s  %s\n", r.id.c_str(),
                IsoTime(r.started_at_us).c_str(), ended.c_str(), r.info.value("pid", "").c_str(),
                exe.c_str(), r.info.value("db_user", "").c_str(),
                r.info.value("server_host", "").c_str(), r.info.value("server_port", "").c_str(),
                r.info.value("dbname", "").c_str(), static_cast<long long>(r.events),
                ActorName(r.actor).c_str(), r.status.empty() ? "OPEN" : r.status.c_str());
  }
  return 0;
}

int Export(const std::string& path, const std::string& format, const std::string& session) {
  std::unique_ptr<journal::Reader> reader;
  if (int rc = OpenReader(path, &reader)) return rc;
  std::vector<journal::SessionRow> rows;
  Status st = reader->Sessions(&rows);
  if (!st.ok()) return Fail(st.message(), 2);
  std::string id;
  if (!session.empty()) {
    journal::SessionRow row;
    if (int rc = ResolveSession(reader.get(), session, &row)) return rc;
    id = row.id;
  }
  std::vector<journal::Event> events;
  st = reader->Events(id, &events);
  if (!st.ok()) return Fail(st.message(), 2);
  std::map<std::string, nlohmann::json> actors;
  for (const auto& r : rows) actors[r.id] = r.actor;
  for (const auto& ev : events) {
    std::cout << ToJson(ev, actors[ev.session])
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << '\n';
  }
  return 0;
}

int Verify(const std::string& path) {
  std::unique_ptr<journal::Reader> reader;
  if (int rc = OpenReader(path, &reader)) return rc;
  int64_t sessions = 0, events = 0;
  Status st = reader->Verify(&sessions, &events);
  if (!st.ok()) return Fail("verify failed: " + st.message(), 1);
  std::printf("ok: %lld sessions, %lld events\n", static_cast<long long>(sessions),
              static_cast<long long>(events));
  return 0;
}

}  // namespace pqward::cli
