// The binary spool record of an event; see spool_record.h. The encoder runs
// on every statement's path: one pass that copies each field into space
// reserved ahead and grown when a field needs more. The decoder runs on the
// writer thread and in recovery, and checks every length it reads.
#include "journal/spool_record.h"

#include <cstdint>
#include <cstring>

namespace pqward::journal {

namespace {

constexpr uint32_t kNull = UINT32_MAX;  // the length written for a SQL NULL
constexpr size_t kHead = 1 + 8;         // mark, body size (uint64_t)
constexpr size_t kFrame = kHead + 1;    // ... and the end byte

enum Flags : uint8_t { kHasParams = 1, kHasRows = 2, kHasError = 4 };

// Encode runs once over an event, copying into space reserved ahead for
// what the event's sizes suggest, grown when a field needs more: one pass
// reads a result's values once (ResultSource), and is one copy of the code.
class Writer {
 public:
  Writer(RecordBuffer* out, size_t guess) : out_(out), n_(out->size) {
    if (n_ + guess > out_->space.size()) Grow(guess);
  }
  ~Writer() { out_->size = n_; }
  [[gnu::always_inline]] void Put(const void* src, size_t k) {
    if (n_ + k > out_->space.size()) Grow(k);
    std::memcpy(out_->space.data() + n_, src, k);
    n_ += k;
  }
  size_t size() const { return n_; }
  char* at(size_t i) { return out_->space.data() + i; }

 private:
  [[gnu::noinline]] void Grow(size_t k) { out_->space.resize(out_->space.size() * 2 + k); }
  RecordBuffer* out_;
  size_t n_;
};

template <typename Sink, typename T>
void PutInt(Sink& s, T v) {
  s.Put(&v, sizeof v);
}

template <typename Sink>
void PutStr(Sink& s, std::string_view v) {
  PutInt(s, static_cast<uint32_t>(v.size()));
  s.Put(v.data(), v.size());
}

template <typename Sink, typename V>
void PutValue(Sink& s, const V& v) {
  if (v) {
    PutStr(s, *v);
  } else {
    PutInt(s, kNull);
  }
}

template <typename Sink>
void PutValues(Sink& s, const std::vector<Value>& values) {
  PutInt(s, static_cast<uint32_t>(values.size()));
  for (const Value& v : values) PutValue(s, v);
}

template <typename Sink, typename C>
void PutColumn(Sink& s, const C& c) {
  PutStr(s, c.name);
  PutInt(s, c.type_oid);
  PutInt(s, c.table_oid);
  PutInt(s, c.table_column);
}

// Columns and values as the event's own vectors hold them, or `result` does.
template <typename Sink>
void PutResult(Sink& s, const Event& ev, const ResultSource* result) {
  if (result == nullptr) {
    PutInt(s, static_cast<uint32_t>(ev.columns.size()));
    for (const Column& c : ev.columns) PutColumn(s, c);
    PutInt(s, static_cast<uint32_t>(ev.values.size()));
    for (const Row& row : ev.values) PutValues(s, row);
    return;
  }
  const int cols = result->columns(), rows = result->rows();
  PutInt(s, static_cast<uint32_t>(cols));
  for (int i = 0; i < cols; i++) PutColumn(s, result->column(i));
  PutInt(s, static_cast<uint32_t>(rows));
  for (int row = 0; row < rows; row++) {
    PutInt(s, static_cast<uint32_t>(cols));
    for (int col = 0; col < cols; col++) PutValue(s, result->value(row, col));
  }
}

// The body: every field of the event (journal/event.h) but prev_hash and
// hash; `extra` as CBOR, empty when the event has none.
template <typename Sink>
void Encode(Sink& s, std::string_view session, const Event& ev, std::string_view extra,
            const ResultSource* result) {
  PutStr(s, session);
  PutInt(s, ev.seq);
  PutInt(s, ev.started_at_us);
  PutInt(s, ev.duration_us);
  for (const std::string* f :
       {&ev.kind, &ev.api, &ev.sql, &ev.statement_name, &ev.status, &ev.command_tag}) {
    PutStr(s, *f);
  }
  PutInt(s, static_cast<uint8_t>((ev.params ? kHasParams : 0) | (ev.rows ? kHasRows : 0) |
                                 (ev.error ? kHasError : 0)));
  if (ev.rows) PutInt(s, *ev.rows);
  if (ev.params) PutValues(s, *ev.params);
  if (ev.error) {
    PutStr(s, ev.error->sqlstate);
    PutStr(s, ev.error->message);
  }
  PutResult(s, ev, result);
  PutStr(s, extra);
}

// Reads a body front to back; every getter fails rather than read past it.
// Strings are views into the body.
class Reader {
 public:
  explicit Reader(std::string_view data) : d_(data) {}
  bool done() const { return d_.empty(); }

  template <typename T>
  bool Int(T* v) {
    if (d_.size() < sizeof(T)) return false;
    std::memcpy(v, d_.data(), sizeof(T));
    d_.remove_prefix(sizeof(T));
    return true;
  }
  bool Str(std::string_view* v) {
    uint32_t n;
    return Int(&n) && Take(n, v);
  }
  bool Val(BasicValue<std::string_view>* v) {
    uint32_t n;
    if (!Int(&n)) return false;
    if (n == kNull) {
      v->reset();
      return true;
    }
    return Take(n, &v->emplace());
  }
  // A count of items that take at least `least` bytes each (so that a
  // corrupt count cannot make the caller allocate more than the record holds).
  bool Count(uint32_t* n, size_t least) { return Int(n) && *n <= d_.size() / least; }
  bool Values(std::vector<BasicValue<std::string_view>>* out) {
    uint32_t n;
    if (!Count(&n, sizeof(uint32_t))) return false;
    out->resize(n);
    for (auto& v : *out) {
      if (!Val(&v)) return false;
    }
    return true;
  }

 private:
  bool Take(uint32_t n, std::string_view* v) {
    if (n > d_.size()) return false;
    *v = d_.substr(0, n);
    d_.remove_prefix(n);
    return true;
  }
  std::string_view d_;
};

// Sets every field of *ev, none cleared first: the writer decodes into one
// EventView, whose vectors keep their memory from one record to the next.
bool ParseBody(Reader& r, EventView* ev) {
  uint8_t flags = 0;
  if (!r.Str(&ev->session) || !r.Int(&ev->seq) || !r.Int(&ev->started_at_us) ||
      !r.Int(&ev->duration_us)) {
    return false;
  }
  for (std::string_view* f :
       {&ev->kind, &ev->api, &ev->sql, &ev->statement_name, &ev->status, &ev->command_tag}) {
    if (!r.Str(f)) return false;
  }
  if (!r.Int(&flags)) return false;
  ev->rows.reset();
  if ((flags & kHasRows) && !r.Int(&ev->rows.emplace())) return false;
  if (!(flags & kHasParams)) {
    ev->params.reset();
  } else if (!r.Values(ev->params ? &*ev->params : &ev->params.emplace())) {
    return false;
  }
  ev->error.reset();
  if ((flags & kHasError) != 0) {
    auto& e = ev->error.emplace();
    if (!r.Str(&e.sqlstate) || !r.Str(&e.message)) return false;
  }
  uint32_t n;
  if (!r.Count(&n, 16)) return false;
  ev->columns.resize(n);
  for (auto& c : ev->columns) {
    if (!r.Str(&c.name) || !r.Int(&c.type_oid) || !r.Int(&c.table_oid) || !r.Int(&c.table_column)) {
      return false;
    }
  }
  if (!r.Count(&n, sizeof(uint32_t))) return false;
  ev->values.resize(n);
  for (auto& row : ev->values) {
    if (!r.Values(&row)) return false;
  }
  std::string_view extra;
  if (!r.Str(&extra)) return false;
  ev->extra = nullptr;
  if (!extra.empty()) {
    ev->extra = nlohmann::json::from_cbor(extra, true, false);
    if (ev->extra.is_discarded()) return false;
  }
  ev->prev_hash = ev->hash = {};
  return r.done();
}

}  // namespace

void AppendSpoolRecord(std::string_view session, const Event& ev, RecordBuffer* out,
                       const ResultSource* result) {
  // Most events have no `extra`: those touch no thread-local (each access
  // is a call into the dynamic loader from a dlopen'ed library).
  std::string_view extra = "";  // not {}: memcpy from a null pointer is undefined, even of 0 bytes
  if (!ev.extra.empty()) {
    thread_local std::string cbor;
    cbor.clear();
    nlohmann::json::to_cbor(ev.extra, cbor);
    extra = cbor;
  }
  const size_t start = out->size;
  {
    Writer w(out, kFrame + 256 + session.size() + ev.sql.size() + extra.size());
    const uint64_t unknown = 0;
    PutInt(w, kRecordMark);
    PutInt(w, unknown);  // the body's size, set below
    Encode(w, session, ev, extra, result);
    const uint64_t body = w.size() - start - kHead;
    std::memcpy(w.at(start + 1), &body, sizeof body);
    PutInt(w, kRecordEnd);
  }
}

size_t SpoolRecordSize(std::string_view data) {
  uint64_t body;
  if (data.size() < kFrame || data[0] != kRecordMark) return 0;
  std::memcpy(&body, data.data() + 1, sizeof body);
  if (body > data.size() - kFrame || data[kHead + body] != kRecordEnd) return 0;
  return kFrame + body;
}

bool ParseSpoolRecord(std::string_view record, EventView* ev) {
  if (SpoolRecordSize(record) != record.size() || record.empty()) return false;
  Reader r(record.substr(kHead, record.size() - kFrame));
  return ParseBody(r, ev);
}

size_t AddSpoolRecords(std::string_view records, Batch* out) {
  thread_local EventView ev;  // the writer's: reused, so decoding allocates little
  size_t n = 0;
  for (size_t size; (size = SpoolRecordSize(records)) != 0; records.remove_prefix(size)) {
    ++n;
    if (ParseSpoolRecord(records.substr(0, size), &ev)) out->AddUnsealed(ev);
  }
  return n;
}

}  // namespace pqward::journal
