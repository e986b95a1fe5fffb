// pqward show: a session as a psql-like transcript, for auditors: who ran
// what from where, then each statement with its parameters and the captured
// result (an aligned table), its command tag or its error, and its duration.
#include <algorithm>
#include <cstdio>

#include "commands.h"

namespace pqward::cli {

namespace {

std::string Cell(const journal::Value& v) {
  return v ? *v : "";
}

// Prints columns and rows the way psql aligns them.
void PrintTable(const journal::Event& ev) {
  size_t n = ev.columns.size();
  if (n == 0 && !ev.values.empty()) n = ev.values[0].size();
  std::vector<size_t> width(n, 0);
  for (size_t i = 0; i < n && i < ev.columns.size(); i++) width[i] = ev.columns[i].name.size();
  for (const auto& row : ev.values) {
    for (size_t i = 0; i < n && i < row.size(); i++)
      width[i] = std::max(width[i], Cell(row[i]).size());
  }
  auto line = [&](auto cell) {
    std::string out;
    for (size_t i = 0; i < n; i++) {
      std::string c = cell(i);
      out += (i ? " | " : " ") + c + std::string(width[i] - std::min(width[i], c.size()), ' ');
    }
    std::printf("%s\n", out.c_str());
  };
  if (!ev.columns.empty() && !ev.columns[0].name.empty()) {
    line([&](size_t i) { return i < ev.columns.size() ? ev.columns[i].name : ""; });
    std::string rule;
    for (size_t i = 0; i < n; i++) rule += (i ? "-+-" : "-") + std::string(width[i], '-');
    std::printf("%s-\n", rule.c_str());
  }
  for (const auto& row : ev.values) {
    line([&](size_t i) { return i < row.size() ? Cell(row[i]) : ""; });
  }
}

void PrintEvent(const journal::Event& ev) {
  if (ev.kind == "session_start" || ev.kind == "session_end") {
    std::printf("-- %s %s\n\n", IsoTime(ev.started_at_us).c_str(), ev.kind.c_str());
    return;
  }
  if (ev.kind == "large_object" || ev.kind == "fastpath") {
    std::printf("=> [%s] %s %s\n", ev.kind.c_str(), ev.api.c_str(), ev.extra.dump().c_str());
  } else {
    std::printf("=> %s\n", ev.sql.c_str());
  }
  if (ev.params) {
    nlohmann::json p = nlohmann::json::array();
    for (const auto& v : *ev.params) p.push_back(v ? nlohmann::json(*v) : nlohmann::json());
    std::printf("   params: %s\n", p.dump().c_str());
  }
  if (ev.error) {
    std::printf("ERROR:  %s %s\n", ev.error->sqlstate.c_str(), ev.error->message.c_str());
  } else if (!ev.values.empty() ||
             (!ev.columns.empty() && ev.extra.find("copy") == ev.extra.end())) {
    PrintTable(ev);
  }
  if (ev.extra.contains("copy")) std::printf("(copy %s)\n", ev.extra["copy"].dump().c_str());
  if (ev.rows && ev.command_tag.rfind("SELECT", 0) == 0) {
    std::printf("(%lld row%s)\n", static_cast<long long>(*ev.rows), *ev.rows == 1 ? "" : "s");
  } else if (!ev.command_tag.empty()) {
    std::printf("%s\n", ev.command_tag.c_str());
  }
  std::printf("[%s, %.3f ms, %s]\n\n", ev.status.c_str(), ev.duration_us / 1000.0,
              IsoTime(ev.started_at_us).c_str());
}

}  // namespace

int Show(const std::string& path, const std::string& prefix) {
  std::unique_ptr<journal::Reader> reader;
  if (int rc = OpenReader(path, &reader)) return rc;
  journal::SessionRow s;
  if (int rc = ResolveSession(reader.get(), prefix, &s)) return rc;
  std::vector<journal::Event> events;
  Status st = reader->Events(s.id, &events);
  if (!st.ok()) return Fail(st.message(), 2);
  std::printf("Session %s\n", s.id.c_str());
  std::printf("  actor:   %s\n", s.actor.dump().c_str());
  std::printf("  process: pid %s %s by %s on %s\n", s.info.value("pid", "").c_str(),
              s.info["argv"].dump().c_str(), s.info.value("os_user", "").c_str(),
              s.info.value("client_host", "").c_str());
  std::printf("  server:  %s@%s:%s/%s (%s)\n", s.info.value("db_user", "").c_str(),
              s.info.value("server_host", "").c_str(), s.info.value("server_port", "").c_str(),
              s.info.value("dbname", "").c_str(), s.info.value("application_name", "").c_str());
  std::printf("  time:    %s .. %s  %s\n\n", IsoTime(s.started_at_us).c_str(),
              s.ended_at_us ? IsoTime(s.ended_at_us).c_str() : "open",
              s.status.empty() ? "OPEN" : s.status.c_str());
  for (const auto& ev : events) PrintEvent(ev);
  return 0;
}

}  // namespace pqward::cli
