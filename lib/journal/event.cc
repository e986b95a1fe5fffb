// The canonical JSON encoding of an Event: the bytes the hash chain covers.
// Hand-written writer because it runs for every statement; parsing (spool
// recovery, readers) goes through nlohmann. Keys are written in sorted order
// by construction, so the output is deterministic without a sort.
#include "journal/event.h"

#include <charconv>

namespace pqward::journal {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t Utf8Len(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

void AppendEscapedByte(std::string* out, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
  out->append(buf, sizeof buf);
}

// A JSON string. Control characters use the short escapes where JSON has
// them, else \u00XX; invalid UTF-8 bytes are written as \u00XX each.
void AppendString(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes copied verbatim
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t n = Utf8Len(s, i);
      if (n > 0) {
        i += n;
        continue;
      }
    }
    out->append(s.data() + run, i - run);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        AppendEscapedByte(out, c);
        break;
    }
    run = ++i;
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, res.ptr);
}

void AppendValue(std::string* out, const Value& v) {
  if (v) {
    AppendString(out, *v);
  } else {
    out->append("null");
  }
}

// Any JSON value with the same string rules; nlohmann objects keep their keys
// sorted (std::map), so objects come out in canonical order.
// A JSON array of values (a row, or bound parameters).
void AppendValues(std::string* out, const std::vector<Value>& values) {
  out->push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendValue(out, values[i]);
  }
  out->push_back(']');
}

void AppendJson(std::string* out, const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out->push_back(',');
        first = false;
        AppendString(out, it.key());
        out->push_back(':');
        AppendJson(out, it.value());
      }
      out->push_back('}');
      break;
    }
    case nlohmann::json::value_t::array: {
      out->push_back('[');
      for (size_t k = 0; k < j.size(); ++k) {
        if (k > 0) out->push_back(',');
        AppendJson(out, j[k]);
      }
      out->push_back(']');
      break;
    }
    case nlohmann::json::value_t::string:
      AppendString(out, j.get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::number_integer:
      AppendInt(out, j.get<int64_t>());
      break;
    default:  // null, boolean, unsigned, float, binary: nlohmann's own form
      out->append(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      break;
  }
}

void AppendKey(std::string* out, const char* key) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

}  // namespace

std::string CanonicalJson(const Event& ev) {
  std::string out;
  size_t guess = 256 + ev.sql.size() + ev.columns.size() * 48 + ev.values.size() * 32;
  out.reserve(guess);
  out.push_back('{');
  AppendKey(&out, "api");
  AppendString(&out, ev.api);
  out.append(",\"columns\":[");
  for (size_t i = 0; i < ev.columns.size(); ++i) {
    const Column& c = ev.columns[i];
    if (i > 0) out.push_back(',');
    out.append("{\"column\":");
    AppendInt(&out, c.table_column);
    out.append(",\"name\":");
    AppendString(&out, c.name);
    out.append(",\"table\":");
    AppendInt(&out, c.table_oid);
    out.append(",\"type\":");
    AppendInt(&out, c.type_oid);
    out.push_back('}');
  }
  out.append("],\"command_tag\":");
  AppendString(&out, ev.command_tag);
  out.append(",\"duration_us\":");
  AppendInt(&out, ev.duration_us);
  out.append(",\"error\":");
  if (ev.error) {
    out.append("{\"message\":");
    AppendString(&out, ev.error->message);
    out.append(",\"sqlstate\":");
    AppendString(&out, ev.error->sqlstate);
    out.push_back('}');
  } else {
    out.append("null");
  }
  out.append(",\"extra\":");
  AppendJson(&out, ev.extra);
  out.append(",\"kind\":");
  AppendString(&out, ev.kind);
  out.append(",\"params\":");
  if (ev.params) {
    AppendValues(&out, *ev.params);
  } else {
    out.append("null");
  }
  out.append(",\"rows\":");
  if (ev.rows) {
    AppendInt(&out, *ev.rows);
  } else {
    out.append("null");
  }
  out.append(",\"seq\":");
  AppendInt(&out, ev.seq);
  out.append(",\"session\":");
  AppendString(&out, ev.session);
  out.append(",\"sql\":");
  AppendString(&out, ev.sql);
  out.append(",\"started_at\":");
  AppendInt(&out, ev.started_at_us);
  out.append(",\"statement_name\":");
  AppendString(&out, ev.statement_name);
  out.append(",\"status\":");
  AppendString(&out, ev.status);
  out.append(",\"values\":[");
  for (size_t r = 0; r < ev.values.size(); ++r) {
    if (r > 0) out.push_back(',');
    AppendValues(&out, ev.values[r]);
  }
  out.append("]}");
  return out;
}

namespace {

Value ParseValue(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<std::string>();
}

bool ParseObject(const nlohmann::json& j, Event* ev) {
  if (!j.is_object()) return false;
  ev->api = j.at("api").get<std::string>();
  ev->columns.clear();
  for (const auto& c : j.at("columns")) {
    Column col;
    col.name = c.at("name").get<std::string>();
    col.type_oid = c.at("type").get<uint32_t>();
    col.table_oid = c.at("table").get<uint32_t>();
    col.table_column = c.at("column").get<int>();
    ev->columns.push_back(std::move(col));
  }
  ev->command_tag = j.at("command_tag").get<std::string>();
  ev->duration_us = j.at("duration_us").get<int64_t>();
  const auto& err = j.at("error");
  if (err.is_null()) {
    ev->error.reset();
  } else {
    ev->error = Error{err.at("sqlstate").get<std::string>(), err.at("message").get<std::string>()};
  }
  ev->extra = j.at("extra");
  ev->kind = j.at("kind").get<std::string>();
  const auto& params = j.at("params");
  if (params.is_null()) {
    ev->params.reset();
  } else {
    ev->params.emplace();
    for (const auto& p : params) ev->params->push_back(ParseValue(p));
  }
  const auto& rows = j.at("rows");
  if (rows.is_null()) {
    ev->rows.reset();
  } else {
    ev->rows = rows.get<int64_t>();
  }
  ev->seq = j.at("seq").get<int64_t>();
  ev->session = j.at("session").get<std::string>();
  ev->sql = j.at("sql").get<std::string>();
  ev->started_at_us = j.at("started_at").get<int64_t>();
  ev->statement_name = j.at("statement_name").get<std::string>();
  ev->status = j.at("status").get<std::string>();
  ev->values.clear();
  for (const auto& r : j.at("values")) {
    Row row;
    row.reserve(r.size());
    for (const auto& v : r) row.push_back(ParseValue(v));
    ev->values.push_back(std::move(row));
  }
  return true;
}

}  // namespace

bool ParseCanonicalJson(std::string_view text, Event* out) {
  try {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return false;
    Event ev;
    if (!ParseObject(j, &ev)) return false;
    ev.prev_hash = std::move(out->prev_hash);
    ev.hash = std::move(out->hash);
    *out = std::move(ev);
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace pqward::journal
