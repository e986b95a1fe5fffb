// The OpenID Connect / OAuth 2.0 client: discovery (OpenID Connect Discovery
// 1.0), the token endpoint for client_credentials (RFC 6749 4.4, with
// client_secret_post or private_key_jwt per RFC 7523), refresh_token
// (RFC 6749 6), token exchange (RFC 8693), resource indicators (RFC 8707) and
// the device authorization grant (RFC 8628). Stateless apart from the cached
// discovery document; caching of tokens lives in token_source.h.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "identity/http.h"
#include "identity/options.h"
#include "util/status.h"

namespace pqward::identity {

struct Token {
  std::string access_token;   // bearer token (a JWT for the broker)
  std::string refresh_token;  // may be empty
  int64_t expires_at_s = 0;   // seconds since the epoch; 0 = unknown
};

struct DeviceAuthorization {
  std::string device_code;
  std::string user_code;
  std::string verification_uri;
  std::string verification_uri_complete;  // may be empty
  int interval_s = 5;
  int64_t expires_at_s = 0;
};

class OidcClient {
 public:
  explicit OidcClient(const Options& opts);

  // Fetches and caches /.well-known/openid-configuration; checks its issuer.
  Status Discover();
  // JWKS of the issuer (jwks_uri from discovery).
  Status FetchJwks(nlohmann::json* out);

  // One token from the configured grant. kDeviceCode and kRefreshToken need
  // their own entry points below.
  Status ClientCredentials(Token* out);
  Status TokenExchange(const std::string& subject_token, Token* out);
  Status Refresh(const std::string& refresh_token, Token* out);

  // RFC 8628: starts the flow, then polls (honouring interval and slow_down)
  // until the user approves, denies or the code expires.
  Status StartDevice(DeviceAuthorization* out);
  Status PollDevice(const DeviceAuthorization& auth, Token* out);

  const nlohmann::json& discovery() const { return discovery_; }

 private:
  Status Endpoint(const char* name, std::string* url);
  Status ClientAuth(std::vector<std::pair<std::string, std::string>>* form);
  // POSTs a form to the token endpoint; OAuth errors are returned as Identity
  // with error/error_description, and *oauth_error holds the error code.
  Status PostForm(const std::string& url, std::vector<std::pair<std::string, std::string>> form,
                  nlohmann::json* out, std::string* oauth_error = nullptr);
  Status TokenRequest(std::vector<std::pair<std::string, std::string>> form, Token* out);

  Options opts_;
  HttpPolicy http_;
  std::mutex mu_;
  nlohmann::json discovery_;  // empty until Discover() succeeds
};

// Seconds since the epoch.
int64_t NowSeconds();

}  // namespace pqward::identity
