// The identity interface called by the interposition layer at connect time:
// match a connection against [[broker.target]], obtain an OIDC token (cached),
// log in to the credential broker with it and return ephemeral database
// credentials to inject (cached in memory until shortly before the lease
// ends). No exception leaves these functions; errors are Status::Identity
// (OpenID provider side) or Status::Broker (broker side) naming the component
// and the cause, and every network step is bounded (timeout_ms x (1 + retries)).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "identity/options.h"
#include "util/status.h"

namespace pqward::identity {

// The connection as the program asked for it (after conninfo parsing); empty = unspecified.
struct Target {
  std::string host, port, dbname, user, service;
};

// What to inject: user and password for the connection. Never logged, never on disk.
struct Credentials {
  std::string username, password, lease_id;
  int64_t expires_at_us = 0;  // lease end, microseconds since the epoch; 0 = unknown
};

// Who connects, from the token's claims (for the journal).
struct Actor {
  std::string issuer, subject, client_id;  // iss, sub, client_id (else azp)
  std::vector<std::string> groups;         // "groups" claim
};

class Provider {
 public:
  // Validates the options (a [[broker.target]] without [identity], URLs against
  // the https/loopback policy, secret files present with mode 0600). No network.
  // Stores nullptr in *out and returns non-OK on error.
  static Status Create(const Options& opts, std::unique_ptr<Provider>* out);

  // Whether a [[broker.target]] covers this connection (first match wins).
  bool Matches(const Target& t) const;

  // Credentials for `t` (which must match): cached ones while more than
  // refresh_margin_s of the lease remains, else token -> broker login -> creds.
  // *actor is filled from the token claims (may be nullptr). Thread-safe.
  Status GetCredentials(const Target& t, Credentials* creds, Actor* actor);

  // Before PQreset: renews the lease of the cached credentials for `t`
  // (sys/leases/renew); when that fails, fetches fresh credentials. Error if
  // neither works.
  Status RenewForReset(const Target& t, Credentials* creds);

  virtual ~Provider();

 private:
  struct State;
  explicit Provider(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Claims of a JWT access token as an Actor (unverified decode; for display and
// the journal only). Error when the token is not a JWT.
Status ActorFromToken(const std::string& token, Actor* out);

}  // namespace pqward::identity
