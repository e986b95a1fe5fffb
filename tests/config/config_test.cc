#include <catch2/catch.hpp>

#include "config/config.h"

using pqward::Config;
using pqward::ParseConfig;

TEST_CASE("journal section is parsed", "[config]") {
  Config c;
  auto st = ParseConfig(
      "[journal]\npath = \"/tmp/j.db\"\ncapture_rows = 5\non_failure = \"allow\"\n", "t.toml", &c);
  REQUIRE(st.ok());
  CHECK(c.journal.path == "/tmp/j.db");
  CHECK(c.journal.capture_rows == 5);
  CHECK(c.journal.fail_open);
}

TEST_CASE("malformed TOML names file and line", "[config]") {
  Config c;
  auto st = ParseConfig("[journal]\npath = \n", "bad.toml", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().rfind("bad.toml:2:", 0) == 0);
}

TEST_CASE("unknown keys are refused with their line", "[config]") {
  Config c;
  auto st = ParseConfig("[journal]\ncapture_rows = 1\npaht = \"x\"\n", "k.toml", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "k.toml:3: unknown key 'paht' in [journal]");
  st = ParseConfig("[jornal]\n", "k.toml", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("unknown key 'jornal'") != std::string::npos);
}

TEST_CASE("bad values are refused", "[config]") {
  Config c;
  CHECK_FALSE(ParseConfig("[journal]\non_failure = \"maybe\"\n", "v.toml", &c).ok());
  CHECK_FALSE(ParseConfig("[journal]\ncapture_rows = -1\n", "v.toml", &c).ok());
  CHECK_FALSE(ParseConfig("[journal]\ncapture_rows = \"9\"\n", "v.toml", &c).ok());
}
