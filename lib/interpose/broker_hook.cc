// Connect-time identity injection; see broker_hook.h.
#include "interpose/broker_hook.h"

#include <cstdlib>
#include <mutex>

#include "interpose/runtime.h"

namespace pqward::interpose {

namespace {

std::once_flag g_once;
std::unique_ptr<identity::Provider> g_provider;
Status g_status;

// The process provider, created from the config on first use.
Status GetProvider(identity::Provider** out) {
  std::call_once(g_once, [] {
    Status config_status;
    const Config& config = GetConfig(&config_status);
    g_status = config_status.ok() ? identity::Provider::Create(config.identity, &g_provider)
                                  : config_status;
  });
  *out = g_provider.get();
  return g_status;
}

identity::Target TargetOf(const ConnectArgs& args) {
  return identity::Target{args.Get("host", "PGHOST"), args.Get("port", "PGPORT"),
                          args.Get("dbname", "PGDATABASE"), args.Get("user", "PGUSER"),
                          args.Get("service", "PGSERVICE")};
}

nlohmann::json ActorJson(const identity::Actor& a) {
  return {{"source", "oidc"},
          {"issuer", a.issuer},
          {"sub", a.subject},
          {"client_id", a.client_id},
          {"groups", a.groups}};
}

}  // namespace

bool IdentityEnabled() {
  Status status;
  return GetConfig(&status).identity.enabled();
}

Status ApplyIdentity(ConnectArgs args, Brokered* out) {
  identity::Provider* provider = nullptr;
  PQWARD_RETURN_IF_ERROR(GetProvider(&provider));
  out->target = TargetOf(args);
  out->args = std::move(args);
  if (!provider->Matches(out->target)) return Status::OK();
  identity::Credentials creds;
  identity::Actor actor;
  PQWARD_RETURN_IF_ERROR(provider->GetCredentials(out->target, &creds, &actor));
  const char* env_password = std::getenv("PGPASSWORD");
  out->password_ignored =
      out->args.Has("password") || (env_password != nullptr && *env_password != '\0');
  out->args.Set("user", creds.username);
  out->args.Set("password", creds.password);
  out->args.Erase("passfile");
  out->username = creds.username;
  out->actor = ActorJson(actor);
  out->active = true;
  return Status::OK();
}

Status RenewBeforeReset(const identity::Target& target, const std::string& username) {
  identity::Provider* provider = nullptr;
  PQWARD_RETURN_IF_ERROR(GetProvider(&provider));
  identity::Credentials creds;
  PQWARD_RETURN_IF_ERROR(provider->RenewForReset(target, &creds));
  if (creds.username != username) {
    return Status::Broker("the lease of " + username +
                          " could not be renewed and PQreset cannot change the user; reconnect");
  }
  return Status::OK();
}

}  // namespace pqward::interpose
