// pqward-broker's TOML configuration (documented key by key in docs/broker.md):
// listener, OIDC issuer and audience, admin database connection, the role map
// from token claims to broker roles, and the database credential definitions.
#pragma once

#include <string>
#include <vector>

#include "identity/options.h"
#include "util/status.h"

namespace pqward::broker {

struct RoleRule {                             // one [[role]]: who may log in as `name`
  std::string name;                           // the "role" of the login request
  std::vector<std::string> bound_client_ids;  // token client_id/azp in this list (if set)
  std::vector<std::string> bound_subjects;    // token sub in this list (if set)
  std::vector<std::string> bound_groups;      // some token group in this list (if set)
  std::vector<std::string> creds;             // creds paths this role may read
  int token_ttl_s = 3600;                     // lifetime of the client token
};

struct CredsRule {          // one [[creds]]: a dynamic credential
  std::string path;         // e.g. "database/creds/readonly"
  std::string group_role;   // existing PostgreSQL role granted (IN ROLE)
  int default_ttl_s = 300;  // lease length at issue and per renewal
  int max_ttl_s = 3600;     // no renewal beyond issue + max_ttl_s
};

struct BrokerConfig {
  std::string listen = "127.0.0.1:8200";  // host:port
  bool allow_http_loopback = false;       // plain HTTP, loopback listen address only
  std::string tls_cert, tls_key;          // PEM files (required unless plain HTTP)
  std::string state_file;                 // lease table (JSON, mode 0600)
  std::string log_file;                   // audit log; empty = stderr
  int reap_interval_ms = 1000;
  identity::Options oidc;        // issuer, ca_file, loopback http, timeout
  std::string audience;          // required "aud" of login tokens
  int leeway_s = 30;             // clock skew on exp/nbf/iat
  std::string db_conninfo;       // admin connection (libpq conninfo)
  std::string db_password_file;  // optional, mode 0600
  std::vector<RoleRule> roles;
  std::vector<CredsRule> creds;
};

Status LoadBrokerConfig(const std::string& path, BrokerConfig* out);

}  // namespace pqward::broker
