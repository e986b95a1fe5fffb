// The Vault/OpenBao API subset spoken to the credential broker (client.h).
#include "identity/broker/client.h"

#include "identity/oidc/client.h"
#include "identity/oidc/jwt.h"

namespace pqward::identity {

using nlohmann::json;

BrokerClient::BrokerClient(std::string base_url, HttpPolicy policy)
    : base_url_(std::move(base_url)), policy_(std::move(policy)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Status BrokerClient::Call(const std::string& method, const std::string& path,
                          const std::string& token, const json* body, json* out,
                          long* http_status) {
  HttpRequest req;
  req.method = method;
  req.url = base_url_ + "/v1/" + path;
  req.headers = {"Accept: application/json"};
  if (!token.empty()) req.headers.push_back("X-Vault-Token: " + token);
  if (body != nullptr) {
    req.headers.push_back("Content-Type: application/json");
    req.body = body->dump();
  }
  HttpResponse resp;
  std::string where = "broker " + base_url_ + " (" + method + " /v1/" + path + ")";
  Status st = HttpDo(policy_, req, &resp);
  if (!st.ok()) return Status::Broker(where + " unreachable: " + st.message());
  if (http_status != nullptr) *http_status = resp.status;
  *out = json::parse(resp.body, nullptr, false);
  if (resp.status < 200 || resp.status > 299) {
    std::string detail;
    if (out->is_object() && out->contains("errors") && (*out)["errors"].is_array()) {
      for (const json& e : (*out)["errors"]) {
        if (e.is_string()) detail += (detail.empty() ? "" : "; ") + e.get<std::string>();
      }
    }
    return Status::Broker(where + " answered HTTP " + std::to_string(resp.status) +
                          (detail.empty() ? "" : ": " + detail));
  }
  if (resp.status == 204) {
    *out = json::object();
    return Status::OK();
  }
  if (!out->is_object()) return Status::Broker(where + " answered with malformed JSON");
  return Status::OK();
}

Status BrokerClient::Login(const std::string& mount, const std::string& role,
                           const std::string& jwt, BrokerLogin* out) {
  json body = {{"role", role}, {"jwt", jwt}}, ans;
  PQWARD_RETURN_IF_ERROR(Call("POST", "auth/" + mount + "/login", "", &body, &ans));
  const json* auth = ans.contains("auth") && ans["auth"].is_object() ? &ans["auth"] : nullptr;
  out->client_token = auth != nullptr ? ClaimString(*auth, "client_token") : "";
  if (out->client_token.empty()) {
    return Status::Broker("broker " + base_url_ + " login answer has no auth.client_token");
  }
  int64_t ttl = auth->value("lease_duration", int64_t{0});
  out->expires_at_s = ttl > 0 ? NowSeconds() + ttl : 0;
  return Status::OK();
}

Status BrokerClient::ReadCreds(const std::string& token, const std::string& creds_path,
                               BrokerLease* out) {
  json ans;
  PQWARD_RETURN_IF_ERROR(Call("GET", creds_path, token, nullptr, &ans));
  const json* data = ans.contains("data") && ans["data"].is_object() ? &ans["data"] : nullptr;
  out->username = data != nullptr ? ClaimString(*data, "username") : "";
  out->password = data != nullptr ? ClaimString(*data, "password") : "";
  out->lease_id = ClaimString(ans, "lease_id");
  if (out->username.empty() || out->password.empty()) {
    return Status::Broker("broker " + base_url_ + " credentials answer for " + creds_path +
                          " has no data.username/data.password");
  }
  int64_t ttl = ans.value("lease_duration", int64_t{0});
  out->expires_at_s = ttl > 0 ? NowSeconds() + ttl : 0;
  out->renewable = ans.value("renewable", false);
  return Status::OK();
}

Status BrokerClient::Renew(const std::string& token, const std::string& lease_id, int increment_s,
                           int64_t* expires_at_s) {
  json body = {{"lease_id", lease_id}}, ans;
  if (increment_s > 0) body["increment"] = increment_s;
  PQWARD_RETURN_IF_ERROR(Call("POST", "sys/leases/renew", token, &body, &ans));
  int64_t ttl = ans.value("lease_duration", int64_t{0});
  if (ttl <= 0) return Status::Broker("broker " + base_url_ + " did not renew lease " + lease_id);
  *expires_at_s = NowSeconds() + ttl;
  return Status::OK();
}

Status BrokerClient::Revoke(const std::string& token, const std::string& lease_id) {
  json body = {{"lease_id", lease_id}}, ans;
  return Call("POST", "sys/leases/revoke", token, &body, &ans);
}

}  // namespace pqward::identity
