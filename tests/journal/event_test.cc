#include <catch2/catch.hpp>

#include "journal/chain_hash.h"
#include "journal/event.h"
#include "sample_event.h"

using namespace pqward::journal;

TEST_CASE("canonical JSON is deterministic and sorted", "[journal]") {
  Event a = SampleEvent();
  std::string text = CanonicalJson(a);
  CHECK(text == CanonicalJson(SampleEvent()));
  CHECK(text.find("\"api\"") < text.find("\"columns\""));
  CHECK(text.find("{\"a\":{\"x\":null,\"y\":\"b\"},\"z\":1}") != std::string::npos);
}

TEST_CASE("canonical JSON round-trips every field", "[journal]") {
  Event a = SampleEvent();
  Event b;
  REQUIRE(ParseCanonicalJson(CanonicalJson(a), &b));
  CHECK(CanonicalJson(b) == CanonicalJson(a));
  CHECK(b.params->at(1) == std::nullopt);
  CHECK(b.error->sqlstate == "22012");
  CHECK_FALSE(ParseCanonicalJson("{not json", &b));
}

TEST_CASE("canonical JSON leaves out fields at their default", "[journal]") {
  Event a{.session = "0123456789abcdef0123456789abcdef",
          .seq = 1,
          .kind = "query",
          .api = "PQexec",
          .sql = "select 1",
          .columns = {{"?column?", 23, 0, 0}},
          .started_at_us = 5};
  CHECK(CanonicalJson(a) ==
        "{\"api\":\"PQexec\",\"columns\":[{\"name\":\"?column?\",\"type\":23}],\"kind\":"
        "\"query\",\"seq\":1,\"sql\":\"select 1\",\"started_at\":5}");
  a.seq = 0;  // a session's first event names it; the others are chained to it
  CHECK(CanonicalJson(a).find("\"session\":\"0123456789abcdef0123456789abcdef\"") !=
        std::string::npos);
  a.seq = 1;
  Event b = SampleEvent();  // parsing into a used Event resets what the text leaves out
  REQUIRE(ParseCanonicalJson(CanonicalJson(a), &b));
  CHECK(CanonicalJson(b) == CanonicalJson(a));
  CHECK_FALSE(b.params.has_value());
  CHECK_FALSE(b.error.has_value());
  CHECK_FALSE(b.rows.has_value());
  CHECK(b.values.empty());
  CHECK(b.extra.empty());
  CHECK(b.columns.at(0).table_oid == 0);
}

TEST_CASE("bodies with every field written out (older journals) still parse", "[journal]") {
  const char* full =
      "{\"api\":\"PQexec\",\"columns\":[{\"column\":0,\"name\":\"?column?\",\"table\":0,"
      "\"type\":23}],\"command_tag\":\"SELECT 1\",\"duration_us\":418,\"error\":null,\"extra\":{},"
      "\"kind\":\"query\",\"params\":null,\"rows\":1,\"seq\":1,\"session\":"
      "\"b6215d582a1009ce25810b4f5ac6daaf\",\"sql\":\"select 1\",\"started_at\":1795493037149316,"
      "\"statement_name\":\"\",\"status\":\"PGRES_TUPLES_OK\",\"values\":[[\"1\"]]}";
  Event b;
  REQUIRE(ParseCanonicalJson(full, &b));
  CHECK(b.command_tag == "SELECT 1");
  CHECK(b.duration_us == 418);
  CHECK(*b.rows == 1);
  CHECK(b.values.at(0).at(0) == "1");
  CHECK_FALSE(b.error.has_value());
}

TEST_CASE("invalid UTF-8 in a value does not throw", "[journal]") {
  Event a = SampleEvent();
  a.values = {{std::string("\xff\xfe raw")}};
  std::string text;
  REQUIRE_NOTHROW(text = CanonicalJson(a));
  Event b;
  CHECK(ParseCanonicalJson(text, &b));
}

TEST_CASE("the chain hash covers the previous hash and the body", "[journal]") {
  std::string h1 = ChainHash("", "{}");
  CHECK(h1.size() == 64);
  CHECK(h1 == ChainHash("", "{}"));
  CHECK(h1 != ChainHash(h1, "{}"));
  CHECK(ChainHash(h1, "{\"a\":1}") != ChainHash(h1, "{\"a\":2}"));
}

TEST_CASE("strings escape every special byte wherever it falls in a word", "[journal]") {
  const std::string specials[] = {"\"", "\\", "\n", std::string(1, '\x01'), "\x7f", "é", "\xff"};
  for (const std::string& special : specials) {
    for (size_t before = 0; before < 20; ++before) {
      Event a = SampleEvent();
      a.sql = std::string(before, 'a') + special + std::string(11, 'b');
      Event b;
      REQUIRE(ParseCanonicalJson(CanonicalJson(a), &b));
      if (special == "\xff") {  // invalid UTF-8 is kept as the code point U+00FF
        CHECK(b.sql == std::string(before, 'a') + "\xc3\xbf" + std::string(11, 'b'));
      } else {
        CHECK(b.sql == a.sql);
      }
    }
  }
}
