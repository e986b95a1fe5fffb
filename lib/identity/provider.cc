// identity::Provider (identity.h): the connect-time glue between the token
// source (oidc/), the broker client (broker/) and the interposition layer,
// with the in-memory credential cache keyed by target entry and subject.
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>

#include "identity/broker/client.h"
#include "identity/identity.h"
#include "identity/oidc/jwt.h"
#include "identity/oidc/token_source.h"
#include "identity/secret_file.h"

namespace pqward::identity {

namespace {

struct CachedCreds {
  BrokerLease lease;
  std::string broker_token;
  Actor actor;
};

struct TargetState {
  const BrokerTarget* conf = nullptr;
  std::unique_ptr<BrokerClient> client;
  BrokerLogin login;                         // cached broker token
  std::string login_subject;                 // subject that login belongs to
  std::map<std::string, CachedCreds> creds;  // by subject
};

Status CheckFileIfSet(const std::string& path, const char* what, bool must_exist) {
  if (path.empty()) return Status::OK();
  Status st = CheckSecretFileMode(path, what);
  if (st.code() == Status::Code::kNotFound && !must_exist) return Status::OK();
  return st;
}

}  // namespace

struct Provider::State {
  Options opts;
  std::unique_ptr<TokenSource> tokens;
  std::mutex mu;
  std::vector<TargetState> targets;  // parallel to opts.targets
};

Provider::Provider(std::unique_ptr<State> state) : state_(std::move(state)) {}
Provider::~Provider() = default;

const char* GrantName(Grant g) {
  switch (g) {
    case Grant::kClientCredentials:
      return "client_credentials";
    case Grant::kTokenFile:
      return "token_file";
    case Grant::kRefreshToken:
      return "refresh_token";
    case Grant::kTokenExchange:
      return "token_exchange";
    case Grant::kDeviceCode:
      return "device_code";
  }
  return "?";
}

Status Provider::Create(const Options& opts, std::unique_ptr<Provider>* out) {
  out->reset();
  if (!opts.present) {
    return Status::Config("[[broker.target]] is configured but [identity] is missing");
  }
  bool loop = opts.allow_insecure_http_for_loopback;
  PQWARD_RETURN_IF_ERROR(CheckUrl(opts.issuer, loop, "issuer").Wrap(opts.where + "[identity]"));
  PQWARD_RETURN_IF_ERROR(CheckFileIfSet(opts.client_secret_file, "client_secret_file", true));
  PQWARD_RETURN_IF_ERROR(CheckFileIfSet(opts.private_key_file, "private_key_file", true));
  PQWARD_RETURN_IF_ERROR(CheckFileIfSet(opts.subject_token_file, "subject_token_file", false));
  PQWARD_RETURN_IF_ERROR(CheckFileIfSet(opts.token_file, "token_file", false));
  PQWARD_RETURN_IF_ERROR(CheckFileIfSet(opts.refresh_token_file, "refresh_token_file", false));
  if (!opts.ca_file.empty() && access(opts.ca_file.c_str(), R_OK) != 0) {
    return Status::Config(opts.where + "ca_file " + opts.ca_file + " is not readable");
  }
  auto state = std::make_unique<State>();
  state->opts = opts;
  for (const BrokerTarget& t : opts.targets) {
    PQWARD_RETURN_IF_ERROR(CheckUrl(t.url, loop, "broker url").Wrap(t.where + "[[broker.target]]"));
  }
  state->tokens = std::make_unique<TokenSource>(state->opts);
  for (const BrokerTarget& t : state->opts.targets) {
    HttpPolicy policy;
    policy.ca_file = t.ca_file.empty() ? opts.ca_file : t.ca_file;
    policy.allow_loopback_http = loop;
    policy.timeout_ms = opts.timeout_ms;
    policy.retries = opts.retries;
    TargetState ts;
    ts.conf = &t;
    ts.client = std::make_unique<BrokerClient>(t.url, policy);
    state->targets.push_back(std::move(ts));
  }
  out->reset(new Provider(std::move(state)));
  return Status::OK();
}

namespace {

bool FieldMatches(const std::string& want, const std::string& have) {
  return want.empty() || want == have;
}

int FindTarget(const std::vector<BrokerTarget>& targets, const Target& t) {
  std::string port = t.port.empty() ? "5432" : t.port;
  for (size_t i = 0; i < targets.size(); ++i) {
    const BrokerTarget& b = targets[i];
    if (FieldMatches(b.host, t.host) && FieldMatches(b.port, port) &&
        FieldMatches(b.dbname, t.dbname) && FieldMatches(b.user, t.user) &&
        FieldMatches(b.service, t.service)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

void ToCredentials(const BrokerLease& lease, Credentials* out) {
  out->username = lease.username;
  out->password = lease.password;
  out->lease_id = lease.lease_id;
  out->expires_at_us = lease.expires_at_s * 1000000;
}

std::string Describe(const Target& t) {
  return "host=" + (t.host.empty() ? "(default)" : t.host) +
         " port=" + (t.port.empty() ? "(default)" : t.port) +
         " dbname=" + (t.dbname.empty() ? "(default)" : t.dbname);
}

// Login + creds with one retry of the login when the broker refuses the cached token.
Status FetchCreds(TokenSource* tokens, TargetState* ts, const Token& token, const Actor& actor,
                  BrokerLease* lease) {
  const BrokerTarget& c = *ts->conf;
  int64_t now = NowSeconds();
  bool have_login = !ts->login.client_token.empty() && ts->login_subject == actor.subject &&
                    (ts->login.expires_at_s == 0 || ts->login.expires_at_s > now + 5);
  if (have_login && ts->client->ReadCreds(ts->login.client_token, c.creds_path, lease).ok()) {
    return Status::OK();
  }
  ts->login = BrokerLogin();
  PQWARD_RETURN_IF_ERROR(
      ts->client->Login(c.auth_mount, c.auth_role, token.access_token, &ts->login));
  ts->login_subject = actor.subject;
  return ts->client->ReadCreds(ts->login.client_token, c.creds_path, lease);
}

}  // namespace

bool Provider::Matches(const Target& t) const {
  return FindTarget(state_->opts.targets, t) >= 0;
}

Status Provider::GetCredentials(const Target& t, Credentials* creds, Actor* actor) try {
  int index = FindTarget(state_->opts.targets, t);
  if (index < 0) return Status::NotFound("no [[broker.target]] covers " + Describe(t));
  Token token;
  PQWARD_RETURN_IF_ERROR(state_->tokens->Get(false, &token));
  Actor who;
  ActorFromToken(token.access_token, &who);  // opaque tokens leave the actor empty
  if (actor != nullptr) *actor = who;

  std::lock_guard<std::mutex> lock(state_->mu);
  TargetState& ts = state_->targets[static_cast<size_t>(index)];
  auto it = ts.creds.find(who.subject);
  int64_t now = NowSeconds();
  if (it != ts.creds.end() && it->second.lease.expires_at_s - now > state_->opts.refresh_margin_s) {
    ToCredentials(it->second.lease, creds);
    return Status::OK();
  }
  BrokerLease lease;
  Status st = FetchCreds(state_->tokens.get(), &ts, token, who, &lease);
  if (!st.ok() && st.message().find("HTTP 403") != std::string::npos) {
    // The broker refused the token: maybe revoked or rotated keys; try one fresh token.
    Token fresh;
    if (state_->tokens->Get(true, &fresh).ok() && fresh.access_token != token.access_token) {
      ts.login = BrokerLogin();
      st = FetchCreds(state_->tokens.get(), &ts, fresh, who, &lease);
    }
  }
  PQWARD_RETURN_IF_ERROR(st);
  ts.creds[who.subject] = CachedCreds{lease, ts.login.client_token, who};
  ToCredentials(lease, creds);
  return Status::OK();
} catch (const std::exception& e) {
  return Status::Internal(std::string("identity: unexpected error: ") + e.what());
}

Status Provider::RenewForReset(const Target& t, Credentials* creds) try {
  int index = FindTarget(state_->opts.targets, t);
  if (index < 0) return Status::NotFound("no [[broker.target]] covers " + Describe(t));
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    TargetState& ts = state_->targets[static_cast<size_t>(index)];
    for (auto& [subject, cached] : ts.creds) {
      if (cached.lease.lease_id.empty() || !cached.lease.renewable) continue;
      if (!creds->lease_id.empty() && creds->lease_id != cached.lease.lease_id) continue;
      int64_t end = 0;
      if (ts.client->Renew(cached.broker_token, cached.lease.lease_id, 0, &end).ok()) {
        cached.lease.expires_at_s = end;
        ToCredentials(cached.lease, creds);
        return Status::OK();
      }
      ts.creds.erase(subject);  // cannot renew: forget it and fetch fresh below
      break;
    }
  }
  return GetCredentials(t, creds, nullptr);
} catch (const std::exception& e) {
  return Status::Internal(std::string("identity: unexpected error: ") + e.what());
}

Status ActorFromToken(const std::string& token, Actor* out) {
  Jwt jwt;
  PQWARD_RETURN_IF_ERROR(ParseJwt(token, &jwt));
  out->issuer = ClaimString(jwt.claims, "iss");
  out->subject = ClaimString(jwt.claims, "sub");
  out->client_id = ClaimString(jwt.claims, "client_id");
  if (out->client_id.empty()) out->client_id = ClaimString(jwt.claims, "azp");
  out->groups.clear();
  auto it = jwt.claims.find("groups");
  if (it != jwt.claims.end() && it->is_array()) {
    for (const auto& g : *it) {
      if (g.is_string()) out->groups.push_back(g.get<std::string>());
    }
  }
  return Status::OK();
}

}  // namespace pqward::identity
