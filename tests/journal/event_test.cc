#include <catch2/catch.hpp>

#include "journal/chain_hash.h"
#include "journal/event.h"

using namespace pqward::journal;

namespace {

Event Sample() {
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

}  // namespace

TEST_CASE("canonical JSON is deterministic and sorted", "[journal]") {
  Event a = Sample();
  std::string text = CanonicalJson(a);
  CHECK(text == CanonicalJson(Sample()));
  CHECK(text.find("\"api\"") < text.find("\"columns\""));
  CHECK(text.find("{\"a\":{\"x\":null,\"y\":\"b\"},\"z\":1}") != std::string::npos);
}

TEST_CASE("canonical JSON round-trips every field", "[journal]") {
  Event a = Sample();
  Event b;
  REQUIRE(ParseCanonicalJson(CanonicalJson(a), &b));
  CHECK(CanonicalJson(b) == CanonicalJson(a));
  CHECK(b.params->at(1) == std::nullopt);
  CHECK(b.error->sqlstate == "22012");
  CHECK_FALSE(ParseCanonicalJson("{not json", &b));
}

TEST_CASE("invalid UTF-8 in a value does not throw", "[journal]") {
  Event a = Sample();
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
