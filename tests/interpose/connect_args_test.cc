#include <catch2/catch.hpp>

#include <cstdlib>

#include "interpose/connect_args.h"
#include "interpose/real.h"

using pqward::interpose::ConnectArgs;

namespace {

void LoadLibpq() {
  REQUIRE(pqward::interpose::LoadReal().ok());
}

}  // namespace

TEST_CASE("a connection string is parsed by libpq", "[interpose]") {
  LoadLibpq();
  ConnectArgs a;
  REQUIRE(ConnectArgs::FromConninfo("host=db port=6543 dbname=app user=agent", &a).ok());
  CHECK(a.Get("host") == "db");
  CHECK(a.Get("port") == "6543");
  CHECK(a.Get("dbname") == "app");
  CHECK(a.Get("user") == "agent");
  CHECK_FALSE(a.Has("password"));
}

TEST_CASE("URIs and expand_dbname", "[interpose]") {
  LoadLibpq();
  const char* keys[] = {"dbname", "application_name", nullptr};
  const char* vals[] = {"postgresql://u:secret@h:7/d", "agent", nullptr};
  ConnectArgs a;
  REQUIRE(ConnectArgs::FromParams(keys, vals, 1, &a).ok());
  CHECK(a.Get("host") == "h");
  CHECK(a.Get("user") == "u");
  CHECK(a.Get("password") == "secret");
  CHECK(a.Get("application_name") == "agent");
  ConnectArgs literal;
  REQUIRE(ConnectArgs::FromParams(keys, vals, 0, &literal).ok());
  CHECK(literal.Get("dbname") == "postgresql://u:secret@h:7/d");
}

TEST_CASE("PQsetdbLogin arguments and environment fallbacks", "[interpose]") {
  LoadLibpq();
  ConnectArgs a;
  REQUIRE(ConnectArgs::FromSetdbLogin("h", nullptr, nullptr, nullptr, "d", "u", "pw", &a).ok());
  CHECK(a.Get("host") == "h");
  CHECK(a.Get("password") == "pw");
  setenv("PGPORT", "5999", 1);
  CHECK(a.Get("port", "PGPORT") == "5999");
  unsetenv("PGPORT");
}

TEST_CASE("arguments can be rewritten and handed back as arrays", "[interpose]") {
  LoadLibpq();
  ConnectArgs a;
  REQUIRE(ConnectArgs::FromConninfo("host=db user=old password=old", &a).ok());
  a.Set("user", "v-agent-1");
  a.Set("password", "ephemeral");
  a.Erase("host");
  const char* const* keys = nullptr;
  const char* const* vals = nullptr;
  a.Arrays(&keys, &vals);
  int n = 0;
  for (; keys[n] != nullptr; n++) {
    CHECK(std::string(keys[n]) != "host");
  }
  CHECK(n == 2);
  CHECK(a.Get("user") == "v-agent-1");
}

TEST_CASE("a malformed connection string is an error", "[interpose]") {
  LoadLibpq();
  ConnectArgs a;
  auto st = ConnectArgs::FromConninfo("host='unterminated", &a);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("unterminated") != std::string::npos);
}
