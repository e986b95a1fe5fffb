#include <catch2/catch.hpp>

#include <cstring>

#include "journal/event.h"
#include "journal/spool_record.h"
#include "journal/store.h"
#include "sample_event.h"

using namespace pqward::journal;

namespace {

const std::string kSession = "0123456789abcdef0123456789abcdef";

// SampleEvent with invalid UTF-8, more rows and more kinds of JSON in extra.
Event Full() {
  Event ev = SampleEvent();
  ev.sql += "\n\xff";
  ev.statement_name = "s1";
  ev.columns.push_back({"b\xc3", 25, 0, 0});
  ev.values = {{std::string("1"), std::nullopt}, {std::string(""), std::string("\x01\xfe")}};
  ev.extra["argv"] = {"psql", "-c", "\xff"};
  ev.extra["more"] = {{"f", 1.5}, {"b", true}, {"n", nullptr}, {"neg", -1}};
  return ev;
}

std::string Record(const Event& ev) {
  RecordBuffer rec;
  AppendSpoolRecord(kSession, ev, &rec);
  return std::string(rec.view());
}

}  // namespace

TEST_CASE("a spool record gives back the event's exact canonical JSON", "[journal]") {
  Event small;
  small.seq = 0;  // a session's first event names its session
  small.kind = "session_start";
  small.api = "PQconnectdb";
  small.started_at_us = 1;
  for (const Event& ev : {Full(), small}) {
    std::string rec = Record(ev);
    REQUIRE(SpoolRecordSize(rec) == rec.size());
    EventView back;
    REQUIRE(ParseSpoolRecord(rec, &back));
    CHECK(back.session == kSession);
    Event expected = ev;
    if (expected.seq == 0) expected.session = kSession;  // as Recorder::Append sets it
    std::string json;
    AppendCanonicalJson(back, &json);
    CHECK(json == CanonicalJson(expected));
  }
}

namespace {

// A result held in an Event's own vectors, read through ResultSource.
class VectorSource final : public ResultSource {
 public:
  explicit VectorSource(const Event& ev) : ev_(ev) {}
  int columns() const override { return static_cast<int>(ev_.columns.size()); }
  BasicColumn<std::string_view> column(int i) const override {
    const Column& c = ev_.columns[i];
    return {c.name, c.type_oid, c.table_oid, c.table_column};
  }
  int rows() const override { return static_cast<int>(ev_.values.size()); }
  BasicValue<std::string_view> value(int row, int col) const override {
    const Value& v = ev_.values[row][col];
    return v ? BasicValue<std::string_view>(*v) : std::nullopt;
  }

 private:
  const Event& ev_;
};

}  // namespace

TEST_CASE("a result read through a ResultSource is spooled as if captured", "[journal]") {
  Event big = Full();
  big.sql.assign(5000, 'x');  // more than the record's first guess at its size
  big.values.push_back({std::string(70000, 'v'), std::nullopt});
  for (const Event& ev : {Full(), big}) {
    Event bare = ev;  // what interpose/ journals: no columns or values of its own
    bare.columns.clear();
    bare.values.clear();
    VectorSource source(ev);
    RecordBuffer rec;
    AppendSpoolRecord(kSession, Full(), &rec);  // an earlier record
    size_t start = rec.size;
    AppendSpoolRecord(kSession, bare, &rec, &source);
    const std::string ours(rec.view().substr(start));  // `back` views into it
    CHECK(ours == Record(ev));
    EventView back;
    REQUIRE(ParseSpoolRecord(ours, &back));
    REQUIRE(back.values.size() == ev.values.size());
    for (size_t row = 0; row < ev.values.size(); row++) {
      for (size_t col = 0; col < ev.values[row].size(); col++) {
        const Value& want = ev.values[row][col];
        const auto& got = back.values[row][col];
        REQUIRE(got.has_value() == want.has_value());
        if (want) CHECK(*got == *want);
      }
    }
  }
}

TEST_CASE("a cleared record buffer holds only what is encoded after", "[journal]") {
  Event big = Full();
  big.sql.assign(5000, 'x');  // leaves 5 KB of space behind it
  Event small;
  small.seq = 3;
  small.kind = "query";
  small.api = "PQexec";
  small.sql = "SELECT 1";
  RecordBuffer rec;
  AppendSpoolRecord(kSession, big, &rec);
  rec.clear();
  AppendSpoolRecord(kSession, small, &rec);
  CHECK(rec.space.size() > rec.size);  // the big record's space is kept...
  CHECK(rec.view() == Record(small));  // ...and none of its bytes show
  EventView back;
  REQUIRE(ParseSpoolRecord(rec.view(), &back));
  CHECK(back.sql == "SELECT 1");
}

TEST_CASE("absent and empty parameter lists stay apart", "[journal]") {
  Event none = Full(), empty = Full();
  none.params.reset();
  empty.params = std::vector<Value>{};
  std::string none_rec = Record(none), empty_rec = Record(empty);
  EventView a, b;
  REQUIRE(ParseSpoolRecord(none_rec, &a));
  REQUIRE(ParseSpoolRecord(empty_rec, &b));
  CHECK_FALSE(a.params.has_value());
  REQUIRE(b.params.has_value());
  CHECK(b.params->empty());
}

TEST_CASE("spool records become the unsealed lines the writer seals", "[journal]") {
  RecordBuffer buffer;
  AppendSpoolRecord(kSession, Full(), &buffer);
  Event second;  // nothing of the first may carry over into it
  second.seq = 4;
  second.kind = "session_end";
  second.api = "PQfinish";
  AppendSpoolRecord(kSession, second, &buffer);
  std::string recs(buffer.view());
  std::string tail = recs;
  recs.push_back('\0');  // the end of a mapped spool's records
  recs += tail;          // older records of a reused spool, never read
  Batch batch;
  CHECK(AddSpoolRecords(recs, &batch) == 2);
  REQUIRE(batch.size() == 2);
  const Batch::Entry& e = batch.entries()[1];
  CHECK(e.seq == 4);
  CHECK(e.derive == Derive::kEnd);
  CHECK_FALSE(e.sealed);
  CHECK(batch.session(e) == kSession);
  CHECK(batch.body(e) == CanonicalJson(second));
  CHECK(batch.line(e).substr(0, 64) == kUnsealed);
}

TEST_CASE("a torn or corrupt spool record is never read", "[journal]") {
  const std::string rec = Record(Full());
  EventView ev;
  SECTION("cut short anywhere") {
    for (size_t n = 0; n < rec.size(); ++n) {
      CHECK(SpoolRecordSize(std::string_view(rec).substr(0, n)) == 0);
    }
  }
  SECTION("its first byte not yet written") {
    std::string bad = rec;
    bad[0] = '\0';
    CHECK(SpoolRecordSize(bad) == 0);
  }
  SECTION("its size or its end byte wrong") {
    std::string bad = rec;
    bad.back() = 'x';
    CHECK(SpoolRecordSize(bad) == 0);
    bad = rec;
    bad[1] = static_cast<char>(bad[1] + 2);  // the size: the end byte is not where it says
    CHECK(SpoolRecordSize(bad + "xx") == 0);
  }
  SECTION("a count inside it larger than the record") {
    std::string bad = rec;
    // The first field is the session's length: claim more than is there.
    uint32_t huge = 1u << 30;
    std::memcpy(bad.data() + 9, &huge, sizeof huge);
    REQUIRE(SpoolRecordSize(bad) == bad.size());  // the frame is intact...
    CHECK_FALSE(ParseSpoolRecord(bad, &ev));      // ...the body is not
  }
  Batch batch;
  std::string two = rec + rec;
  two.resize(two.size() - 1);  // the second is torn
  CHECK(AddSpoolRecords(two, &batch) == 1);
}
