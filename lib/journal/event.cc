// The canonical JSON encoding of an Event: the bytes the hash chain covers.
// Hand-written writer because it runs for every statement; parsing (spool
// recovery, readers) goes through nlohmann. Keys are written in sorted order
// by construction, so the output is deterministic without a sort.
#include "journal/event.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace pqward::journal {

using namespace std::string_view_literals;

namespace {

// Appends into a std::string's own storage without std::string's per-call
// overhead (this runs for every statement): grows it ahead, trims at the end.
// The string may already hold much more (the writer's batch): growing and
// zero-filling go by what this Buf wrote, never by the string's whole size.
class Buf {
 public:
  Buf(std::string* s, size_t guess) : s_(s), start_(s->size()), n_(start_) {
    s_->resize(n_ + guess);
  }
  ~Buf() { s_->resize(n_); }
  [[gnu::always_inline]] void append(const char* p, size_t k) {
    if (n_ + k > s_->size()) Grow(k);
    memcpy(s_->data() + n_, p, k);
    n_ += k;
  }
  [[gnu::always_inline]] void append(std::string_view v) { append(v.data(), v.size()); }
  void append(const char* p, const char* end) { append(p, static_cast<size_t>(end - p)); }
  [[gnu::always_inline]] void push_back(char c) { append(&c, 1); }

 private:
  [[gnu::noinline]] void Grow(size_t k) { s_->resize(n_ + std::max(k, n_ - start_ + 256)); }
  std::string* s_;
  size_t start_;
  size_t n_;
};

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

void AppendEscapedByte(Buf* out, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
  out->append(buf, sizeof buf);
}

// Bytes written verbatim inside a JSON string: printable ASCII but " and \.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();

// Index of the first byte at or after `i` that is not kPlain, looking at
// eight bytes at a time (values and SQL are mostly plain ASCII).
size_t SkipPlain(std::string_view s, size_t i) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  const auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  while (i + 8 <= s.size()) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    uint64_t special = (w & kHigh) | ((w - 0x20 * kOnes) & ~w & kHigh) |  // >= 0x80, < 0x20
                       has_zero(w ^ ('"' * kOnes)) | has_zero(w ^ ('\\' * kOnes));
    if (special != 0) break;
    i += 8;
  }
  while (i < s.size() && kPlain[static_cast<unsigned char>(s[i])]) ++i;
  return i;
}

// A JSON string. Control characters use the short escapes where JSON has
// them, else \u00XX; invalid UTF-8 bytes are written as \u00XX each.
void AppendString(Buf* out, std::string_view s) {
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes copied verbatim
  size_t i = 0;
  while (i < s.size()) {
    i = SkipPlain(s, i);
    if (i == s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[i]);
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
        out->append("\\\""sv);
        break;
      case '\\':
        out->append("\\\\"sv);
        break;
      case '\b':
        out->append("\\b"sv);
        break;
      case '\f':
        out->append("\\f"sv);
        break;
      case '\n':
        out->append("\\n"sv);
        break;
      case '\r':
        out->append("\\r"sv);
        break;
      case '\t':
        out->append("\\t"sv);
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

void AppendInt(Buf* out, int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, res.ptr);
}

template <typename S>
void AppendValue(Buf* out, const BasicValue<S>& v) {
  if (v) {
    AppendString(out, *v);
  } else {
    out->append("null"sv);
  }
}

// A JSON array of values (a row, or bound parameters).
template <typename S>
void AppendValues(Buf* out, const std::vector<BasicValue<S>>& values) {
  out->push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendValue(out, values[i]);
  }
  out->push_back(']');
}

// Any JSON value with the same string rules; nlohmann objects keep their keys
// sorted (std::map), so objects come out in canonical order.
void AppendJson(Buf* out, const nlohmann::json& j) {
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

[[gnu::always_inline]] inline void AppendKey(Buf* out, std::string_view key) {
  out->push_back('"');
  out->append(key);
  out->append("\":"sv);
}

// ,"key":value unless value is the default.
void AppendField(Buf* out, std::string_view key, std::string_view v) {
  if (v.empty()) return;
  out->push_back(',');
  AppendKey(out, key);
  AppendString(out, v);
}

void AppendField(Buf* out, std::string_view key, int64_t v) {
  if (v == 0) return;
  out->push_back(',');
  AppendKey(out, key);
  AppendInt(out, v);
}

}  // namespace

template <>
void Event::ClearOutcome() {
  status.clear();
  command_tag.clear();
  rows.reset();
  columns.clear();
  values.clear();
  error.reset();
  duration_us = 0;
}

template <>
void Event::ClearRequest() {
  for (std::string* s : {&session, &kind, &api, &sql, &statement_name, &prev_hash, &hash}) {
    s->clear();
  }
  seq = 0;
  params.reset();
  started_at_us = 0;
  if (!extra.is_null()) extra = nullptr;  // most events have none
}

// Fields at their default (empty string, 0, null, empty list or object) are
// left out: every byte here is hashed, spooled and stored, so a one-row
// SELECT should cost one short object. api, kind, seq and started_at are
// always written; session only in a session's first event (seq 0), which
// every later event is chained to.
std::string CanonicalJson(const Event& ev) {
  std::string out;
  AppendCanonicalJson(ev, &out);
  return out;
}

namespace {

template <typename S>
void AppendCanonical(const BasicEvent<S>& ev, std::string* str) {
  size_t guess = 192 + ev.sql.size() + ev.columns.size() * 40 + ev.values.size() * 16;
  Buf out(str, guess);
  Buf* dst = &out;
  out.append("{\"api\":"sv);
  AppendString(dst, ev.api);
  if (!ev.columns.empty()) {
    out.append(",\"columns\":["sv);
    for (size_t i = 0; i < ev.columns.size(); ++i) {
      const BasicColumn<S>& c = ev.columns[i];
      if (i > 0) out.push_back(',');
      out.push_back('{');
      if (c.table_column != 0) {
        AppendKey(dst, "column");
        AppendInt(dst, c.table_column);
        out.push_back(',');
      }
      AppendKey(dst, "name");
      AppendString(dst, c.name);
      if (c.table_oid != 0) {
        out.append(",\"table\":"sv);
        AppendInt(dst, c.table_oid);
      }
      out.append(",\"type\":"sv);
      AppendInt(dst, c.type_oid);
      out.push_back('}');
    }
    out.push_back(']');
  }
  AppendField(dst, "command_tag", ev.command_tag);
  AppendField(dst, "duration_us", ev.duration_us);
  if (ev.error) {
    out.append(",\"error\":{\"message\":"sv);
    AppendString(dst, ev.error->message);
    out.append(",\"sqlstate\":"sv);
    AppendString(dst, ev.error->sqlstate);
    out.push_back('}');
  }
  if (!ev.extra.empty()) {
    out.append(",\"extra\":"sv);
    AppendJson(dst, ev.extra);
  }
  out.append(",\"kind\":"sv);
  AppendString(dst, ev.kind);
  if (ev.params) {
    out.append(",\"params\":"sv);
    AppendValues(dst, *ev.params);
  }
  if (ev.rows) {
    out.append(",\"rows\":"sv);
    AppendInt(dst, *ev.rows);
  }
  out.append(",\"seq\":"sv);
  AppendInt(dst, ev.seq);
  if (ev.seq == 0) {  // later events belong to the session through the chain
    out.append(",\"session\":"sv);
    AppendString(dst, ev.session);
  }
  AppendField(dst, "sql", ev.sql);
  out.append(",\"started_at\":"sv);
  AppendInt(dst, ev.started_at_us);
  AppendField(dst, "statement_name", ev.statement_name);
  AppendField(dst, "status", ev.status);
  if (!ev.values.empty()) {
    out.append(",\"values\":["sv);
    for (size_t r = 0; r < ev.values.size(); ++r) {
      if (r > 0) out.push_back(',');
      AppendValues(dst, ev.values[r]);
    }
    out.push_back(']');
  }
  out.push_back('}');
}

}  // namespace

void AppendCanonicalJson(const Event& ev, std::string* out) {
  AppendCanonical(ev, out);
}

void AppendCanonicalJson(const EventView& ev, std::string* out) {
  AppendCanonical(ev, out);
}

namespace {

Value ParseValue(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<std::string>();
}

// Absent keys take their defaults (see CanonicalJson).
template <typename T>
T Get(const nlohmann::json& j, const char* key, T dflt = T()) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? dflt : it->get<T>();
}

std::vector<Value> ParseValues(const nlohmann::json& j) {
  std::vector<Value> out;
  out.reserve(j.size());
  for (const auto& v : j) out.push_back(ParseValue(v));
  return out;
}

bool ParseObject(const nlohmann::json& j, Event* ev) {
  if (!j.is_object()) return false;
  ev->api = j.at("api").get<std::string>();
  ev->columns.clear();
  if (auto it = j.find("columns"); it != j.end()) {
    for (const auto& c : *it) {
      ev->columns.push_back(Column{c.at("name").get<std::string>(), Get<uint32_t>(c, "type"),
                                   Get<uint32_t>(c, "table"), Get<int>(c, "column")});
    }
  }
  ev->command_tag = Get<std::string>(j, "command_tag");
  ev->duration_us = Get<int64_t>(j, "duration_us");
  ev->error.reset();
  if (auto it = j.find("error"); it != j.end() && !it->is_null()) {
    ev->error = Error{Get<std::string>(*it, "sqlstate"), Get<std::string>(*it, "message")};
  }
  ev->extra = j.value("extra", nlohmann::json::object());
  if (ev->extra.is_null()) ev->extra = nlohmann::json::object();
  ev->kind = j.at("kind").get<std::string>();
  ev->params.reset();
  if (auto it = j.find("params"); it != j.end() && !it->is_null()) ev->params = ParseValues(*it);
  ev->rows.reset();
  if (auto it = j.find("rows"); it != j.end() && !it->is_null()) ev->rows = it->get<int64_t>();
  ev->seq = j.at("seq").get<int64_t>();
  ev->session = Get<std::string>(j, "session");
  ev->sql = Get<std::string>(j, "sql");
  ev->started_at_us = j.at("started_at").get<int64_t>();
  ev->statement_name = Get<std::string>(j, "statement_name");
  ev->status = Get<std::string>(j, "status");
  ev->values.clear();
  if (auto it = j.find("values"); it != j.end()) {
    for (const auto& r : *it) ev->values.push_back(ParseValues(r));
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
