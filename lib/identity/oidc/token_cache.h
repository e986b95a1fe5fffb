// The access-token cache shared by one user's processes: a JSON file, mode
// 0600, written atomically under an advisory lock, so that many short-lived
// libpq programs do not each ask the OpenID provider for a token (RFC 6749
// tokens are bearer secrets: the file is never logged and never world-readable).
// Default location: $XDG_RUNTIME_DIR/pqward/tokens.json, else
// ~/.cache/pqward/tokens.json.
#pragma once

#include <string>

#include "identity/oidc/client.h"
#include "util/status.h"

namespace pqward::identity {

class TokenCache {
 public:
  explicit TokenCache(std::string path) : path_(std::move(path)) {}

  static std::string DefaultPath();
  // Cache key for an identity configuration (hash of issuer, client, grant, ...).
  static std::string Key(const Options& opts);

  // NotFound when there is no entry; an unsafe or corrupt file counts as empty.
  Status Load(const std::string& key, Token* out) const;
  // Adds or replaces the entry, dropping expired entries of other keys.
  Status Store(const std::string& key, const Token& token) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace pqward::identity
