// Options of the [identity] and [[broker.target]] config sections: which OpenID
// provider and grant give this process its token, and which credential broker
// issues database credentials for which connections. Owned by identity/;
// parsed by config/identity_section.cc; documented key by key in docs/identity.md.
#pragma once

#include <string>
#include <vector>

namespace pqward::identity {

// How the OAuth 2.0 token is obtained (docs/identity.md, "Grants").
enum class Grant {
  kClientCredentials,  // RFC 6749 4.4; secret file or private_key_jwt (RFC 7523)
  kTokenFile,          // a token written by someone else, re-read on every use
  kRefreshToken,       // RFC 6749 6; refresh token from a 0600 file
  kTokenExchange,      // RFC 8693; subject token from a file
  kDeviceCode,         // RFC 8628; for humans, prompts on stderr
};

const char* GrantName(Grant g);

// One [[broker.target]]: which connections it covers and where to get credentials.
struct BrokerTarget {
  std::string where;               // "file:line: " of the entry, for messages
  std::string host;                // match: empty = any
  std::string port;                // match: empty = any ("" in a Target counts as 5432)
  std::string dbname;              // match: empty = any
  std::string user;                // match: empty = any
  std::string service;             // match: empty = any
  std::string url;                 // broker base URL, https (http only on loopback, see below)
  std::string auth_mount = "jwt";  // POST /v1/auth/<auth_mount>/login
  std::string auth_role;           // "role" sent at login (required)
  std::string creds_path;          // GET /v1/<creds_path> (required)
  std::string ca_file;  // CA bundle for the broker; default: [identity] ca_file, then system
};

struct Options {
  bool present = false;  // an [identity] section was given
  std::string source;    // config file name, for messages
  std::string where;     // "file:line: " of [identity]
  std::string issuer;    // OpenID issuer URL (discovery base)
  Grant grant = Grant::kClientCredentials;
  std::string client_id;
  std::string client_secret_file;  // client_secret_post; mode 0600
  std::string private_key_file;    // private_key_jwt (RS256/ES256 PEM); mode 0600
  std::string key_id;              // "kid" header of the client assertion
  std::string scope;
  std::string audience;            // sent as RFC 8707 "resource" (and RFC 8693 "audience")
  std::string token_file;          // token_file grant; mode 0600
  std::string refresh_token_file;  // refresh_token grant (rotated tokens written back); 0600
  std::string subject_token_file;  // token_exchange grant; mode 0600
  std::string subject_token_type = "urn:ietf:params:oauth:token-type:access_token";
  std::string ca_file;      // CA bundle for the provider (and brokers by default)
  std::string token_cache;  // access-token cache file; "" = default, "off" = none
  bool allow_insecure_http_for_loopback = false;
  int timeout_ms = 10000;     // per HTTP request
  int retries = 2;            // extra attempts on transport errors and 5xx/429
  int refresh_margin_s = 60;  // refresh tokens/credentials this long before expiry
  std::vector<BrokerTarget> targets;

  // True with an [identity] section, and also with [[broker.target]] alone (which
  // Provider::Create then refuses): a brokered target is never connected unbrokered.
  bool enabled() const { return present || !targets.empty(); }
};

}  // namespace pqward::identity
