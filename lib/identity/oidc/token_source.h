// Where the process's access token comes from: the configured grant, an
// in-memory copy and the shared token cache, refreshed `refresh_margin_s`
// before expiry to absorb clock skew.
// Implements the grant selection of docs/identity.md ("Grants"). Thread-safe.
#pragma once

#include <mutex>
#include <string>

#include "identity/oidc/client.h"
#include "identity/oidc/token_cache.h"

namespace pqward::identity {

class TokenSource {
 public:
  explicit TokenSource(const Options& opts);

  // A token valid for at least the margin. `fresh` skips the caches (used when
  // the broker rejected the cached token).
  Status Get(bool fresh, Token* out);

  OidcClient* client() { return &client_; }

 private:
  bool Usable(const Token& t) const;
  Status Obtain(const Token& cached, Token* out);
  Status FromRefreshFile(Token* out);
  Status FromDevice(const Token& cached, Token* out);

  Options opts_;
  OidcClient client_;
  bool use_cache_;
  TokenCache cache_;
  std::string key_;
  std::mutex mu_;
  Token memory_;  // last token obtained by this process
};

}  // namespace pqward::identity
