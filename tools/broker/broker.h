// pqward-broker's core: the Vault/OpenBao API subset (docs/broker.md) over an
// OIDC JWT verifier, a role map, PostgreSQL role management and a persisted
// lease table. HTTP framing lives in main.cc; this file is transport-free so
// every answer is a (status, JSON) pair.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker_config.h"
#include "identity/oidc/client.h"
#include "util/status.h"

namespace pqward::broker {

struct Reply {
  int status = 200;
  nlohmann::json body;  // {"errors": [...]} on failure
};

class Broker {
 public:
  explicit Broker(BrokerConfig config);
  ~Broker();

  // Loads persisted leases and starts the reaper thread.
  Status Start();
  void Stop();

  Reply Login(const std::string& mount, const nlohmann::json& body);
  Reply ReadCreds(const std::string& token, const std::string& path);
  Reply Renew(const std::string& token, const nlohmann::json& body);
  Reply Revoke(const std::string& token, const nlohmann::json& body);

  // Revokes every expired lease once (the reaper calls this periodically).
  void ReapExpired();

 private:
  struct Session {           // a client token issued at login
    std::string role;        // broker role name
    std::string subject;     // JWT sub
    std::string client_id;   // JWT client_id/azp
    int64_t expires_at = 0;  // seconds since the epoch
  };
  struct Lease {
    std::string lease_id, pg_role, subject, client_id, creds_path;
    int64_t issued_at = 0, expires_at = 0;
  };

  Status VerifyToken(const std::string& jwt, nlohmann::json* claims);
  bool FindSession(const std::string& token, Session* out);
  Status SaveLeases();  // caller holds mu_
  Status LoadLeases();
  Status DropLease(const Lease& lease, const char* why);
  // The caller's lease named by body.lease_id, or the error reply: unknown
  // token (403), no such lease (400), another subject's lease (403).
  std::optional<Reply> OwnedLease(const std::string& token, const nlohmann::json& body, Session* s,
                                  Lease* l);
  void Log(const std::string& line);

  BrokerConfig config_;
  identity::OidcClient oidc_;
  std::mutex mu_;  // guards everything below
  nlohmann::json jwks_;
  int64_t jwks_fetched_at_ = 0;
  std::map<std::string, Session> sessions_;  // by client token
  std::map<std::string, Lease> leases_;      // by lease id
  std::mutex log_mu_;
  std::thread reaper_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace pqward::broker
