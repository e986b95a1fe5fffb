// Client of a Vault/OpenBao-compatible credential broker, limited to the
// subset pqward uses (docs/broker.md): JWT login (POST /v1/auth/<mount>/login),
// dynamic database credentials (GET /v1/<creds_path>), lease renewal and
// revocation (POST /v1/sys/leases/renew|revoke). Credentials stay in memory.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "identity/http.h"
#include "util/status.h"

namespace pqward::identity {

struct BrokerLogin {
  std::string client_token;  // X-Vault-Token for later calls
  int64_t expires_at_s = 0;  // 0 = no expiry given
};

struct BrokerLease {
  std::string username;
  std::string password;
  std::string lease_id;
  int64_t expires_at_s = 0;
  bool renewable = false;
};

class BrokerClient {
 public:
  BrokerClient(std::string base_url, HttpPolicy policy);

  Status Login(const std::string& mount, const std::string& role, const std::string& jwt,
               BrokerLogin* out);
  Status ReadCreds(const std::string& token, const std::string& creds_path, BrokerLease* out);
  // Renews `lease_id`; *expires_at_s gets the new end.
  Status Renew(const std::string& token, const std::string& lease_id, int increment_s,
               int64_t* expires_at_s);
  Status Revoke(const std::string& token, const std::string& lease_id);

 private:
  // Sends a request and parses a JSON object answer; HTTP errors become Broker
  // statuses with the broker's "errors" text. *http_status gets the code.
  Status Call(const std::string& method, const std::string& path, const std::string& token,
              const nlohmann::json* body, nlohmann::json* out, long* http_status = nullptr);

  std::string base_url_;
  HttpPolicy policy_;
};

}  // namespace pqward::identity
