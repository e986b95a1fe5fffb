// Secret file modes and atomic 0600 writes (lib/identity/secret_file.cc) and
// the token cache file (lib/identity/oidc/token_cache.cc).
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "identity/oidc/token_cache.h"
#include "identity/secret_file.h"
#include "temp_dir.h"

using namespace pqward::identity;

namespace {

std::string TempDir() {
  std::string dir = testutil::NewTempDir();
  REQUIRE(!dir.empty());
  return dir;
}

int Mode(const std::string& path) {
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("secret files must not be group or world accessible", "[identity][files]") {
  std::string dir = TempDir();
  std::string path = dir + "/secret";
  std::ofstream(path) << "s3cret\n";
  chmod(path.c_str(), 0644);
  std::string out;
  auto st = ReadSecretFile(path, "client_secret_file", &out);
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == pqward::Status::Code::kPermission);
  CHECK(st.message() == "client_secret_file " + path +
                            " has mode 0644; it must not be accessible by group or others "
                            "(chmod 600)");
  CHECK(st.message().find("s3cret") == std::string::npos);
  chmod(path.c_str(), 0600);
  REQUIRE(ReadSecretFile(path, "client_secret_file", &out).ok());
  CHECK(out == "s3cret");
  CHECK(ReadSecretFile(dir + "/missing", "x", &out).code() == pqward::Status::Code::kNotFound);
}

TEST_CASE("written secret files are 0600 in a 0700 directory", "[identity][files]") {
  std::string dir = TempDir() + "/a/b";
  REQUIRE(WriteSecretFile(dir + "/f", "data").ok());
  CHECK(Mode(dir + "/f") == 0600);
  CHECK(Mode(dir) == 0700);
}

TEST_CASE("token cache stores, reloads and stays 0600", "[identity][cache]") {
  std::string path = TempDir() + "/cache/tokens.json";
  TokenCache cache(path);
  Token t{"access-1", "", NowSeconds() + 600};
  CHECK(cache.Load("k", &t).code() == pqward::Status::Code::kNotFound);
  t = Token{"access-1", "", NowSeconds() + 600};
  REQUIRE(cache.Store("k", t).ok());
  REQUIRE(cache.Store("other", Token{"access-2", "", NowSeconds() - 10}).ok());  // expired
  REQUIRE(cache.Store("k2", Token{"access-3", "", NowSeconds() + 600}).ok());
  CHECK(Mode(path) == 0600);
  Token back;
  REQUIRE(cache.Load("k", &back).ok());
  CHECK(back.access_token == "access-1");
  CHECK(cache.Load("other", &back).code() == pqward::Status::Code::kNotFound);  // pruned

  chmod(path.c_str(), 0644);  // tampered mode: the cache is not trusted
  CHECK(cache.Load("k", &back).code() == pqward::Status::Code::kNotFound);
}

TEST_CASE("cache keys differ per identity configuration", "[identity][cache]") {
  Options a, b;
  a.issuer = b.issuer = "https://idp";
  a.client_id = "one";
  b.client_id = "two";
  CHECK(TokenCache::Key(a) != TokenCache::Key(b));
  CHECK(TokenCache::Key(a) == TokenCache::Key(a));
}
