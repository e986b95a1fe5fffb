// An event with every field set, for the journal's tests: NULLs, bytes that
// JSON must escape, and an `extra` with nested values.
#pragma once

#include "journal/event.h"

namespace pqward::journal {

inline Event SampleEvent() {
  Event ev;
  ev.session = "0123456789abcdef0123456789abcdef";
  ev.seq = 7;
  ev.kind = "query";
  ev.api = "PQexecParams";
  ev.sql = "select $1, 'é\t\"q\"'";
  ev.params = std::vector<Value>{std::string("x"), std::nullopt, std::string("\\x00ff")};
  ev.status = "PGRES_TUPLES_OK";
  ev.command_tag = "SELECT 1";
  ev.rows = 1;
  ev.columns = {{"a", 23, 16384, 1}};
  ev.values = {{std::string("1")}, {std::nullopt}};
  ev.error = Error{"22012", "division by zero"};
  ev.started_at_us = 1795477372033134;
  ev.duration_us = 42;
  ev.extra = {{"z", 1}, {"a", {{"y", "b"}, {"x", nullptr}}}};
  return ev;
}

}  // namespace pqward::journal
