// [identity] and [[broker.target]] parsing (lib/config/identity_section.cc).
#include <catch2/catch.hpp>

#include "config/config.h"

using pqward::Config;
using pqward::ParseConfig;
using pqward::identity::Grant;

namespace {

const char* kGood = R"([identity]
issuer = "https://idp.example.com"
grant = "client_credentials"
client_id = "nightly-agent"
client_secret_file = "/etc/pqward/agent.secret"
scope = "db"
audience = "https://broker.internal"
timeout_ms = 3000

[[broker.target]]
host = "db.internal"
dbname = "app"
port = 5433
url = "https://broker.internal:8200"
auth_role = "agent"
creds_path = "database/creds/readonly"
)";

}  // namespace

TEST_CASE("a full identity config is parsed", "[identity][config]") {
  Config c;
  auto st = ParseConfig(kGood, "id.toml", &c);
  REQUIRE(st.ok());
  CHECK(c.identity.enabled());
  CHECK(c.identity.grant == Grant::kClientCredentials);
  CHECK(c.identity.client_id == "nightly-agent");
  CHECK(c.identity.timeout_ms == 3000);
  REQUIRE(c.identity.targets.size() == 1);
  CHECK(c.identity.targets[0].port == "5433");
  CHECK(c.identity.targets[0].auth_mount == "jwt");
  CHECK(c.identity.targets[0].where == "id.toml:10: ");
}

TEST_CASE("no identity section means disabled", "[identity][config]") {
  Config c;
  REQUIRE(ParseConfig("", "e.toml", &c).ok());
  CHECK_FALSE(c.identity.enabled());
}

TEST_CASE("broker targets without [identity] still count as enabled", "[identity][config]") {
  Config c;
  REQUIRE(ParseConfig("[[broker.target]]\nurl = \"https://b\"\nauth_role = \"r\"\n"
                      "creds_path = \"database/creds/x\"\n",
                      "b.toml", &c)
              .ok());
  CHECK(c.identity.enabled());  // Provider::Create refuses it: fail closed
}

TEST_CASE("identity config errors name file and line", "[identity][config]") {
  Config c;
  auto st = ParseConfig("[identity]\nissuer = \"https://i\"\ngrant = \"password\"\n", "g.toml", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().rfind("g.toml:3: grant 'password' is not one of", 0) == 0);

  st = ParseConfig("[identity]\nissuer = \"https://i\"\nclient_id = \"x\"\nsecret = \"s\"\n",
                   "k.toml", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "k.toml:4: unknown key 'secret' in [identity]");

  st = ParseConfig("[identity]\nissuer = \"https://i\"\nclient_id = \"x\"\n", "m.toml", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("exactly one of 'client_secret_file' or 'private_key_file'") !=
        std::string::npos);

  st = ParseConfig(
      "[identity]\nissuer = \"https://i\"\ngrant = \"token_file\"\n"
      "token_file = \"/t\"\ntimeout_ms = 5\n",
      "t.toml", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "t.toml:5: key 'timeout_ms' is out of range");
}

TEST_CASE("broker target needs url, role and a plain creds path", "[identity][config]") {
  Config c;
  auto st =
      ParseConfig("[[broker.target]]\nurl = \"https://b\"\nauth_role = \"r\"\n", "b.toml", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "b.toml:1: [[broker.target]] needs 'creds_path'");
  st = ParseConfig(
      "[[broker.target]]\nurl = \"https://b\"\nauth_role = \"r\"\n"
      "creds_path = \"../sys/raw\"\n",
      "b.toml", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("is not a plain API path") != std::string::npos);
}
