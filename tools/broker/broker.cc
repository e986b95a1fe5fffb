// pqward-broker's request handling, lease table and reaper (broker.h).
#include "broker.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "identity/oidc/jwt.h"
#include "identity/secret_file.h"
#include "pg_admin.h"

namespace pqward::broker {

using identity::ClaimString;
using identity::NowSeconds;
using nlohmann::json;

namespace {

Reply Error(int status, const std::string& message) {
  return Reply{status, json{{"errors", json::array({message})}}};
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string RandomPassword() {
  std::string raw(24, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), 24);
  return "A1-" + identity::Base64UrlEncode(raw);  // letters, digits, '-' and '_'
}

// "v-<role>-<subject>-<random>" in [a-z0-9_-], at most 63 bytes.
std::string RoleName(const std::string& role, const std::string& subject) {
  auto clean = [](const std::string& s, size_t max) {
    std::string out;
    for (char c : s) {
      if (out.size() >= max) break;
      out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
    }
    return out;
  };
  return "v-" + clean(role, 16) + "-" + clean(subject, 24) + "-" + RandomHex(4);
}

bool Contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::vector<std::string> Groups(const json& claims) {
  std::vector<std::string> out;
  if (claims.contains("groups") && claims["groups"].is_array()) {
    for (const json& g : claims["groups"]) {
      if (g.is_string()) out.push_back(g.get<std::string>());
    }
  }
  return out;
}

// Every bound list that is set must match.
bool RoleAllows(const RoleRule& r, const std::string& client_id, const std::string& sub,
                const std::vector<std::string>& groups) {
  if (!r.bound_client_ids.empty() && !Contains(r.bound_client_ids, client_id)) return false;
  if (!r.bound_subjects.empty() && !Contains(r.bound_subjects, sub)) return false;
  if (!r.bound_groups.empty() &&
      std::none_of(groups.begin(), groups.end(),
                   [&](const std::string& g) { return Contains(r.bound_groups, g); })) {
    return false;
  }
  return true;
}

}  // namespace

Broker::Broker(BrokerConfig config) : config_(std::move(config)), oidc_(config_.oidc) {}

Broker::~Broker() {
  Stop();
}

void Broker::Log(const std::string& line) {
  std::lock_guard<std::mutex> lock(log_mu_);
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char ts[32];
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (config_.log_file.empty()) {
    std::fprintf(stderr, "%s pqward-broker: %s\n", ts, line.c_str());
    return;
  }
  std::ofstream out(config_.log_file, std::ios::app);
  out << ts << " pqward-broker: " << line << "\n";
}

Status Broker::Start() {
  PQWARD_RETURN_IF_ERROR(LoadLeases());
  reaper_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      stop_cv_.wait_for(lock, std::chrono::milliseconds(config_.reap_interval_ms));
      if (stopping_) break;
      lock.unlock();
      ReapExpired();
      lock.lock();
    }
  });
  return Status::OK();
}

void Broker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
}

Status Broker::LoadLeases() {
  std::ifstream in(config_.state_file);
  if (!in) return Status::OK();  // first start
  PQWARD_RETURN_IF_ERROR(identity::CheckSecretFileMode(config_.state_file, "state_file"));
  std::stringstream ss;
  ss << in.rdbuf();
  json doc = json::parse(ss.str(), nullptr, false);
  if (!doc.is_object() || !doc.contains("leases") || !doc["leases"].is_array()) {
    return Status::Corrupt("state_file " + config_.state_file + " is not a lease table");
  }
  for (const json& e : doc["leases"]) {
    Lease l;
    l.lease_id = e.value("lease_id", "");
    l.pg_role = e.value("pg_role", "");
    l.subject = e.value("subject", "");
    l.client_id = e.value("client_id", "");
    l.creds_path = e.value("creds_path", "");
    l.issued_at = e.value("issued_at", int64_t{0});
    l.expires_at = e.value("expires_at", int64_t{0});
    if (!l.lease_id.empty() && !l.pg_role.empty()) leases_[l.lease_id] = l;
  }
  Log("loaded " + std::to_string(leases_.size()) + " lease(s) from " + config_.state_file);
  return Status::OK();
}

Status Broker::SaveLeases() {
  json arr = json::array();
  for (const auto& [id, l] : leases_) {
    arr.push_back({{"lease_id", l.lease_id},
                   {"pg_role", l.pg_role},
                   {"subject", l.subject},
                   {"client_id", l.client_id},
                   {"creds_path", l.creds_path},
                   {"issued_at", l.issued_at},
                   {"expires_at", l.expires_at}});
  }
  return identity::WriteSecretFile(config_.state_file, json{{"leases", arr}}.dump(1));
}

Status Broker::VerifyToken(const std::string& token, json* claims) {
  identity::Jwt jwt;
  PQWARD_RETURN_IF_ERROR(identity::ParseJwt(token, &jwt));
  identity::ClaimChecks checks{config_.oidc.issuer, config_.audience, NowSeconds(),
                               config_.leeway_s};
  PQWARD_RETURN_IF_ERROR(identity::CheckJwtClaims(jwt, checks));
  json jwks;
  int64_t fetched_at = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jwks = jwks_;
    fetched_at = jwks_fetched_at_;
  }
  Status st =
      jwks.is_null() ? Status::Identity("no JWKS yet") : identity::VerifyJwtSignature(jwt, jwks);
  // Unknown key or first use: refetch the JWKS, at most every 10 s.
  if (!st.ok() && NowSeconds() - fetched_at >= 10) {
    PQWARD_RETURN_IF_ERROR(oidc_.FetchJwks(&jwks));
    {
      std::lock_guard<std::mutex> lock(mu_);
      jwks_ = jwks;
      jwks_fetched_at_ = NowSeconds();
    }
    st = identity::VerifyJwtSignature(jwt, jwks);
  }
  PQWARD_RETURN_IF_ERROR(st);
  *claims = jwt.claims;
  return Status::OK();
}

Reply Broker::Login(const std::string& mount, const json& body) {
  std::string role = ClaimString(body, "role"), jwt = ClaimString(body, "jwt");
  if (mount != "jwt" && mount != "oidc") return Error(404, "no auth method at auth/" + mount);
  if (role.empty() || jwt.empty()) return Error(400, "login needs role and jwt");
  json claims;
  Status st = VerifyToken(jwt, &claims);
  if (!st.ok()) {
    Log("login refused role=" + role + ": " + st.message());
    int code = st.message().find("unreachable") != std::string::npos ? 502 : 403;
    return Error(code, "permission denied: " + st.message());
  }
  std::string sub = ClaimString(claims, "sub");
  std::string client_id = ClaimString(claims, "client_id");
  if (client_id.empty()) client_id = ClaimString(claims, "azp");
  auto rule = std::find_if(config_.roles.begin(), config_.roles.end(),
                           [&](const RoleRule& r) { return r.name == role; });
  if (rule == config_.roles.end() || !RoleAllows(*rule, client_id, sub, Groups(claims))) {
    Log("login refused role=" + role + " subject=" + sub + " client_id=" + client_id +
        ": claims do not match the role");
    return Error(403, "permission denied: role '" + role + "' does not admit this token");
  }
  std::string token = "pqw." + RandomHex(24);
  int64_t expires = std::min<int64_t>(NowSeconds() + rule->token_ttl_s,
                                      identity::ClaimExp(claims) + config_.leeway_s);
  int64_t ttl = std::max<int64_t>(1, expires - NowSeconds());
  {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_[token] = Session{role, sub, client_id, NowSeconds() + ttl};
  }
  Log("login role=" + role + " subject=" + sub + " client_id=" + client_id);
  return Reply{200, json{{"auth",
                          {{"client_token", token},
                           {"accessor", RandomHex(8)},
                           {"policies", rule->creds},
                           {"lease_duration", ttl},
                           {"renewable", false}}}}};
}

bool Broker::FindSession(const std::string& token, Session* out) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(token);
  if (it == sessions_.end()) return false;
  if (it->second.expires_at <= NowSeconds()) {
    sessions_.erase(it);
    return false;
  }
  *out = it->second;
  return true;
}

Reply Broker::ReadCreds(const std::string& token, const std::string& path) {
  Session s;
  if (!FindSession(token, &s)) return Error(403, "permission denied: missing or expired token");
  auto role = std::find_if(config_.roles.begin(), config_.roles.end(),
                           [&](const RoleRule& r) { return r.name == s.role; });
  auto creds = std::find_if(config_.creds.begin(), config_.creds.end(),
                            [&](const CredsRule& c) { return c.path == path; });
  if (creds == config_.creds.end()) return Error(404, "no credentials at " + path);
  if (role == config_.roles.end() || !Contains(role->creds, path)) {
    return Error(403, "permission denied: role '" + s.role + "' may not read " + path);
  }
  Lease l;
  l.pg_role = RoleName(s.role, s.subject);
  l.lease_id = path + "/" + RandomHex(12);
  l.subject = s.subject;
  l.client_id = s.client_id;
  l.creds_path = path;
  l.issued_at = NowSeconds();
  l.expires_at = l.issued_at + creds->default_ttl_s;
  std::string password = RandomPassword();
  PgAdmin pg(config_.db_conninfo, config_.db_password_file);
  Status st = pg.CreateRole(l.pg_role, password, l.expires_at, creds->group_role);
  if (!st.ok()) {
    Log("issue failed path=" + path + " subject=" + s.subject + ": " + st.message());
    return Error(500, "cannot create database role: " + st.message());
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    leases_[l.lease_id] = l;
    st = SaveLeases();
  }
  if (!st.ok()) Log("warning: cannot persist leases: " + st.message());
  Log("issue lease=" + l.lease_id + " pg_role=" + l.pg_role + " subject=" + s.subject +
      " client_id=" + s.client_id + " ttl=" + std::to_string(creds->default_ttl_s) + "s");
  return Reply{200, json{{"request_id", RandomHex(8)},
                         {"lease_id", l.lease_id},
                         {"lease_duration", creds->default_ttl_s},
                         {"renewable", true},
                         {"data", {{"username", l.pg_role}, {"password", password}}}}};
}

std::optional<Reply> Broker::OwnedLease(const std::string& token, const json& body, Session* s,
                                        Lease* l) {
  if (!FindSession(token, s)) return Error(403, "permission denied: missing or expired token");
  std::string id = ClaimString(body, "lease_id");
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = leases_.find(id);
    if (it == leases_.end()) return Error(400, "lease not found or expired");
    *l = it->second;
  }
  if (l->subject != s->subject) {
    return Error(403, "permission denied: lease belongs to another subject");
  }
  return std::nullopt;
}

Reply Broker::Renew(const std::string& token, const json& body) {
  Session s;
  Lease l;
  if (std::optional<Reply> refused = OwnedLease(token, body, &s, &l)) return *refused;
  const std::string& id = l.lease_id;
  auto creds = std::find_if(config_.creds.begin(), config_.creds.end(),
                            [&](const CredsRule& c) { return c.path == l.creds_path; });
  int64_t increment = creds != config_.creds.end() ? creds->default_ttl_s : 300;
  if (body.contains("increment") && body["increment"].is_number_integer()) {
    increment = std::clamp<int64_t>(body["increment"].get<int64_t>(), 1, increment);
  }
  int64_t max_end = l.issued_at + (creds != config_.creds.end() ? creds->max_ttl_s : 3600);
  int64_t end = std::min(NowSeconds() + increment, max_end);
  if (end <= NowSeconds()) return Error(400, "lease has reached its max_ttl");
  Status st = PgAdmin(config_.db_conninfo, config_.db_password_file).SetValidUntil(l.pg_role, end);
  if (!st.ok()) return Error(500, "cannot renew: " + st.message());
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = leases_.find(id);
    if (it != leases_.end()) it->second.expires_at = end;
    SaveLeases();
  }
  Log("renew lease=" + id + " subject=" + s.subject + " ttl=" + std::to_string(end - NowSeconds()) +
      "s");
  return Reply{200,
               json{{"lease_id", id}, {"lease_duration", end - NowSeconds()}, {"renewable", true}}};
}

Status Broker::DropLease(const Lease& l, const char* why) {
  int terminated = 0;
  Status st =
      PgAdmin(config_.db_conninfo, config_.db_password_file).DropRole(l.pg_role, &terminated);
  if (!st.ok()) {
    Log(std::string(why) + " failed lease=" + l.lease_id + " pg_role=" + l.pg_role + ": " +
        st.message());
    return st;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    leases_.erase(l.lease_id);
    SaveLeases();
  }
  Log(std::string(why) + " lease=" + l.lease_id + " pg_role=" + l.pg_role +
      " subject=" + l.subject + " sessions_terminated=" + std::to_string(terminated));
  return Status::OK();
}

Reply Broker::Revoke(const std::string& token, const json& body) {
  Session s;
  Lease l;
  if (std::optional<Reply> refused = OwnedLease(token, body, &s, &l)) {
    // Revoking a lease that is already gone succeeds, as in Vault.
    return refused->status == 400 ? Reply{204, json::object()} : *refused;
  }
  Status st = DropLease(l, "revoke");
  if (!st.ok()) return Error(500, "cannot revoke: " + st.message());
  return Reply{204, json::object()};
}

void Broker::ReapExpired() {
  std::vector<Lease> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t now = NowSeconds();
    for (const auto& [id, l] : leases_) {
      if (l.expires_at <= now) due.push_back(l);
    }
  }
  for (const Lease& l : due) DropLease(l, "expire");  // failures are retried next round
}

}  // namespace pqward::broker
