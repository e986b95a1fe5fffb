// Connect-time identity: for a connection that a [[broker.target]] covers,
// replaces user and password with ephemeral broker credentials before libpq
// sees the arguments. The program's own password (or PGPASSWORD) for such a
// target is ignored and the journal says so. Other connections pass untouched.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "identity/identity.h"
#include "interpose/connect_args.h"
#include "util/status.h"

namespace pqward::interpose {

struct Brokered {
  bool active = false;            // credentials were injected into `args`
  ConnectArgs args;               // the arguments to connect with
  identity::Target target;        // for PQreset
  std::string username;           // the injected user (never the password)
  nlohmann::json actor;           // {"source":"oidc", issuer, sub, client_id, groups}
  bool password_ignored = false;  // the program or PGPASSWORD gave a password
};

// True when the config has an [identity] section or broker targets.
bool IdentityEnabled();

// Fills *out from `args`: injects credentials when a target matches.
Status ApplyIdentity(ConnectArgs args, Brokered* out);

// Before PQreset of a brokered connection: renews the lease. Errors when the
// lease cannot be renewed for the same user.
Status RenewBeforeReset(const identity::Target& target, const std::string& username);

}  // namespace pqward::interpose
