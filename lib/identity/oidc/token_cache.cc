// The per-user token cache file (token_cache.h): read, lock, replace.
#include "identity/oidc/token_cache.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "identity/secret_file.h"

namespace pqward::identity {

using nlohmann::json;

namespace {

json ReadAll(const std::string& path) {
  if (!CheckSecretFileMode(path, "token cache").ok()) return json::object();
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  json doc = json::parse(ss.str(), nullptr, false);
  if (!doc.is_object() || !doc.contains("tokens") || !doc["tokens"].is_object()) {
    return json::object({{"version", 1}, {"tokens", json::object()}});
  }
  return doc;
}

// Holds an flock on "<path>.lock" for its lifetime.
class FileLock {
 public:
  explicit FileLock(const std::string& path) {
    fd_ = open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) close(fd_);
  }

 private:
  int fd_ = -1;
};

}  // namespace

std::string TokenCache::DefaultPath() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && *runtime == '/') return std::string(runtime) + "/pqward/tokens.json";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/tmp") + "/.cache/pqward/tokens.json";
}

std::string TokenCache::Key(const Options& o) {
  std::string material = o.issuer + '\n' + GrantName(o.grant) + '\n' + o.client_id + '\n' +
                         o.scope + '\n' + o.audience + '\n' + o.subject_token_file + '\n' +
                         o.refresh_token_file + '\n' + o.private_key_file;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

Status TokenCache::Load(const std::string& key, Token* out) const {
  json doc = ReadAll(path_);
  if (!doc.contains("tokens") || !doc["tokens"].contains(key)) {
    return Status::NotFound("no cached token");
  }
  const json& e = doc["tokens"][key];
  if (!e.is_object()) return Status::NotFound("no cached token");
  out->access_token = e.value("access_token", "");
  out->refresh_token = e.value("refresh_token", "");
  out->expires_at_s = e.value("expires_at", int64_t{0});
  if (out->access_token.empty() && out->refresh_token.empty()) {
    return Status::NotFound("no cached token");
  }
  return Status::OK();
}

Status TokenCache::Store(const std::string& key, const Token& token) const {
  MakeParentDir(path_);
  FileLock lock(path_);
  json doc = ReadAll(path_);
  if (!doc.contains("tokens")) doc = json::object({{"version", 1}, {"tokens", json::object()}});
  json& tokens = doc["tokens"];
  int64_t now = NowSeconds();
  for (auto it = tokens.begin(); it != tokens.end();) {
    bool dead = !it->is_object() || (it->value("refresh_token", "").empty() &&
                                     it->value("expires_at", int64_t{0}) < now);
    it = dead ? tokens.erase(it) : std::next(it);
  }
  json entry = {{"access_token", token.access_token}, {"expires_at", token.expires_at_s}};
  if (!token.refresh_token.empty()) entry["refresh_token"] = token.refresh_token;
  tokens[key] = entry;
  return WriteSecretFile(path_, doc.dump());
}

}  // namespace pqward::identity
