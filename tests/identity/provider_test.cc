// Provider::Create validation and target matching (lib/identity/provider.cc);
// no network is touched.
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <fstream>

#include "config/config.h"
#include "identity/http.h"
#include "identity/identity.h"
#include "temp_dir.h"

using namespace pqward::identity;

namespace {

std::string SecretFile(int mode) {
  std::string dir = testutil::NewTempDir();
  REQUIRE(!dir.empty());
  std::string path = dir + "/secret";
  std::ofstream(path) << "secret";
  chmod(path.c_str(), static_cast<mode_t>(mode));
  return path;
}

pqward::Status Make(const std::string& text, std::unique_ptr<Provider>* out) {
  pqward::Config c;
  pqward::Status st = pqward::ParseConfig(text, "p.toml", &c);
  return st.ok() ? Provider::Create(c.identity, out) : st;
}

std::string Config(const std::string& issuer, const std::string& secret, const std::string& url,
                   bool loopback = false) {
  return "[identity]\nissuer = \"" + issuer + "\"\nclient_id = \"c\"\nclient_secret_file = \"" +
         secret + "\"\nallow_insecure_http_for_loopback = " + (loopback ? "true" : "false") +
         "\n[[broker.target]]\nhost = \"db.internal\"\ndbname = \"app\"\nurl = \"" + url +
         "\"\nauth_role = \"agent\"\ncreds_path = \"database/creds/ro\"\n"
         "[[broker.target]]\nservice = \"reports\"\nurl = \"" +
         url + "\"\nauth_role = \"agent\"\ncreds_path = \"database/creds/ro\"\n";
}

}  // namespace

TEST_CASE("URL policy: https always, http only to loopback when allowed", "[identity][url]") {
  CHECK(CheckUrl("https://idp.example.com", false, "issuer").ok());
  CHECK_FALSE(CheckUrl("http://idp.example.com", false, "issuer").ok());
  CHECK_FALSE(CheckUrl("http://idp.example.com", true, "issuer").ok());
  CHECK(CheckUrl("http://127.0.0.1:8080", true, "issuer").ok());
  CHECK(CheckUrl("http://[::1]:8080/x", true, "issuer").ok());
  CHECK_FALSE(CheckUrl("http://127.0.0.1:8080", false, "issuer").ok());
  CHECK_FALSE(CheckUrl("http://127.0.0.1@evil.example", true, "issuer").ok());
  CHECK_FALSE(CheckUrl("ftp://x", true, "issuer").ok());
  CHECK(UrlHost("https://a.b:99/c") == "a.b");
}

TEST_CASE("Create validates files and URLs without network", "[identity][provider]") {
  std::unique_ptr<Provider> p;
  std::string good = SecretFile(0600), loose = SecretFile(0640);
  REQUIRE(Make(Config("https://idp", good, "https://broker"), &p).ok());
  REQUIRE(p != nullptr);

  auto st = Make(Config("https://idp", loose, "https://broker"), &p);
  CHECK(st.code() == pqward::Status::Code::kPermission);
  CHECK(p == nullptr);
  st = Make(Config("http://idp.example.com", good, "https://broker"), &p);
  CHECK(st.code() == pqward::Status::Code::kConfig);
  CHECK(st.message().find("plain http") != std::string::npos);
  st = Make(Config("https://idp", good, "http://broker.internal", true), &p);
  CHECK(st.message().find("non-loopback") != std::string::npos);
  CHECK(Make(Config("http://127.0.0.1:1", good, "http://127.0.0.1:2", true), &p).ok());
  CHECK(Make(Config("https://idp", "/nonexistent/secret", "https://b"), &p).code() ==
        pqward::Status::Code::kNotFound);
  st = Make(
      "[[broker.target]]\nurl = \"https://b\"\nauth_role = \"r\"\n"
      "creds_path = \"database/creds/x\"\n",
      &p);
  CHECK(st.message() == "[[broker.target]] is configured but [identity] is missing");
}

TEST_CASE("Matches covers host/port/dbname and service entries", "[identity][provider]") {
  std::unique_ptr<Provider> p;
  REQUIRE(Make(Config("https://idp", SecretFile(0600), "https://broker"), &p).ok());
  CHECK(p->Matches({"db.internal", "", "app", "", ""}));
  CHECK(p->Matches({"db.internal", "5432", "app", "anyone", ""}));
  CHECK_FALSE(p->Matches({"db.internal", "", "other", "", ""}));
  CHECK_FALSE(p->Matches({"", "", "app", "", ""}));  // unix socket is not db.internal
  CHECK(p->Matches({"", "", "", "", "reports"}));
  CHECK_FALSE(p->Matches({"", "", "", "", "billing"}));
}
