// OpenID Connect discovery and the OAuth 2.0 token and device endpoints
// (RFC 6749, RFC 7523, RFC 8628, RFC 8693, RFC 8707); see client.h.
#include "identity/oidc/client.h"

#include <openssl/rand.h>

#include <chrono>
#include <thread>

#include "identity/oidc/jwt.h"
#include "identity/secret_file.h"

namespace pqward::identity {

using nlohmann::json;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

std::string Trimmed(const std::string& s) {
  return s.size() > 1 && s.back() == '/' ? s.substr(0, s.size() - 1) : s;
}

std::string RandomId() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  return Base64UrlEncode(std::string_view(reinterpret_cast<char*>(b), sizeof b));
}

// "error: description" from an OAuth error body, else a short excerpt.
std::string DescribeError(const json& body, const std::string& raw) {
  std::string e = ClaimString(body, "error");
  std::string d = ClaimString(body, "error_description");
  if (!e.empty()) return d.empty() ? e : e + " (" + d + ")";
  return raw.size() > 80 ? "non-OAuth answer" : "answer '" + raw + "'";
}

}  // namespace

OidcClient::OidcClient(const Options& opts) : opts_(opts) {
  http_.ca_file = opts.ca_file;
  http_.allow_loopback_http = opts.allow_insecure_http_for_loopback;
  http_.timeout_ms = opts.timeout_ms;
  http_.retries = opts.retries;
}

Status OidcClient::Discover() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!discovery_.is_null()) return Status::OK();
  HttpRequest req;
  req.url = Trimmed(opts_.issuer) + "/.well-known/openid-configuration";
  HttpResponse resp;
  Status st = HttpDo(http_, req, &resp);
  if (!st.ok())
    return Status::Identity("OpenID provider " + opts_.issuer + " unreachable: " + st.message());
  json doc = json::parse(resp.body, nullptr, false);
  if (resp.status != 200 || !doc.is_object()) {
    return Status::Identity("OpenID provider " + opts_.issuer + ": discovery answered HTTP " +
                            std::to_string(resp.status) + " without a JSON document");
  }
  if (Trimmed(ClaimString(doc, "issuer")) != Trimmed(opts_.issuer)) {
    return Status::Identity("OpenID provider " + opts_.issuer + ": discovery names issuer '" +
                            ClaimString(doc, "issuer") + "'");
  }
  discovery_ = std::move(doc);
  return Status::OK();
}

Status OidcClient::Endpoint(const char* name, std::string* url) {
  PQWARD_RETURN_IF_ERROR(Discover());
  *url = ClaimString(discovery_, name);
  if (url->empty()) {
    return Status::Identity("OpenID provider " + opts_.issuer + " has no " + name);
  }
  Status st = CheckUrl(*url, opts_.allow_insecure_http_for_loopback, name);
  return st.ok() ? st : Status::Identity("OpenID provider " + opts_.issuer + ": " + st.message());
}

Status OidcClient::FetchJwks(json* out) {
  std::string url;
  PQWARD_RETURN_IF_ERROR(Endpoint("jwks_uri", &url));
  HttpRequest req;
  req.url = url;
  HttpResponse resp;
  Status st = HttpDo(http_, req, &resp);
  if (!st.ok()) return Status::Identity("JWKS of " + opts_.issuer + ": " + st.message());
  *out = json::parse(resp.body, nullptr, false);
  if (resp.status != 200 || !out->is_object()) {
    return Status::Identity("JWKS of " + opts_.issuer + ": HTTP " + std::to_string(resp.status));
  }
  return Status::OK();
}

Status OidcClient::ClientAuth(std::vector<std::pair<std::string, std::string>>* form) {
  form->emplace_back("client_id", opts_.client_id);
  if (!opts_.client_secret_file.empty()) {
    std::string secret;
    PQWARD_RETURN_IF_ERROR(
        ReadSecretFile(opts_.client_secret_file, "client_secret_file", &secret).Wrap("identity"));
    form->emplace_back("client_secret", secret);
  } else if (!opts_.private_key_file.empty()) {
    std::string pem, token_url, assertion;
    PQWARD_RETURN_IF_ERROR(
        ReadSecretFile(opts_.private_key_file, "private_key_file", &pem).Wrap("identity"));
    PQWARD_RETURN_IF_ERROR(Endpoint("token_endpoint", &token_url));
    int64_t now = NowSeconds();
    json claims = {{"iss", opts_.client_id},
                   {"sub", opts_.client_id},
                   {"aud", token_url},
                   {"jti", RandomId()},
                   {"iat", now},
                   {"exp", now + 60}};
    PQWARD_RETURN_IF_ERROR(SignJwt(claims, pem, opts_.key_id, &assertion));
    form->emplace_back("client_assertion_type",
                       "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    form->emplace_back("client_assertion", assertion);
  }
  return Status::OK();
}

Status OidcClient::PostForm(const std::string& url,
                            std::vector<std::pair<std::string, std::string>> form, json* out,
                            std::string* oauth_error) {
  HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  req.body = FormEncode(form);
  HttpResponse resp;
  Status st = HttpDo(http_, req, &resp);
  if (!st.ok()) {
    return Status::Identity("OpenID provider " + opts_.issuer + " unreachable: " + st.message());
  }
  *out = json::parse(resp.body, nullptr, false);
  if (resp.status == 200 && out->is_object()) return Status::OK();
  if (oauth_error != nullptr) *oauth_error = ClaimString(*out, "error");
  return Status::Identity("OpenID provider " + opts_.issuer + " refused the request (HTTP " +
                          std::to_string(resp.status) + "): " + DescribeError(*out, resp.body));
}

Status OidcClient::TokenRequest(std::vector<std::pair<std::string, std::string>> form, Token* out) {
  std::string url;
  PQWARD_RETURN_IF_ERROR(Endpoint("token_endpoint", &url));
  PQWARD_RETURN_IF_ERROR(ClientAuth(&form));
  json body;
  PQWARD_RETURN_IF_ERROR(PostForm(url, std::move(form), &body));
  out->access_token = ClaimString(body, "access_token");
  if (out->access_token.empty()) {
    return Status::Identity("OpenID provider " + opts_.issuer + " answered without access_token");
  }
  out->refresh_token = ClaimString(body, "refresh_token");
  out->expires_at_s = 0;
  if (body.contains("expires_in") && body["expires_in"].is_number()) {
    out->expires_at_s = NowSeconds() + body["expires_in"].get<int64_t>();
  } else {
    Jwt jwt;  // a JWT access token carries its own expiry
    if (ParseJwt(out->access_token, &jwt).ok()) out->expires_at_s = ClaimExp(jwt.claims);
  }
  return Status::OK();
}

Status OidcClient::ClientCredentials(Token* out) {
  return TokenRequest(
      {{"grant_type", "client_credentials"}, {"scope", opts_.scope}, {"resource", opts_.audience}},
      out);
}

Status OidcClient::TokenExchange(const std::string& subject_token, Token* out) {
  return TokenRequest({{"grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"},
                       {"subject_token", subject_token},
                       {"subject_token_type", opts_.subject_token_type},
                       {"requested_token_type", "urn:ietf:params:oauth:token-type:access_token"},
                       {"scope", opts_.scope},
                       {"audience", opts_.audience},
                       {"resource", opts_.audience}},
                      out);
}

Status OidcClient::Refresh(const std::string& refresh_token, Token* out) {
  Status st = TokenRequest({{"grant_type", "refresh_token"},
                            {"refresh_token", refresh_token},
                            {"scope", opts_.scope},
                            {"resource", opts_.audience}},
                           out);
  if (st.ok() && out->refresh_token.empty()) out->refresh_token = refresh_token;
  return st;
}

Status OidcClient::StartDevice(DeviceAuthorization* out) {
  std::string url;
  PQWARD_RETURN_IF_ERROR(Endpoint("device_authorization_endpoint", &url));
  std::vector<std::pair<std::string, std::string>> form = {{"scope", opts_.scope},
                                                           {"resource", opts_.audience}};
  PQWARD_RETURN_IF_ERROR(ClientAuth(&form));
  json body;
  PQWARD_RETURN_IF_ERROR(PostForm(url, std::move(form), &body));
  out->device_code = ClaimString(body, "device_code");
  out->user_code = ClaimString(body, "user_code");
  out->verification_uri = ClaimString(body, "verification_uri");
  out->verification_uri_complete = ClaimString(body, "verification_uri_complete");
  if (out->device_code.empty() || out->user_code.empty() || out->verification_uri.empty()) {
    return Status::Identity("OpenID provider " + opts_.issuer +
                            ": device authorization answer is incomplete");
  }
  if (body.contains("interval") && body["interval"].is_number_integer()) {
    out->interval_s = std::max(1, body["interval"].get<int>());
  }
  int64_t expires_in = 600;
  if (body.contains("expires_in") && body["expires_in"].is_number()) {
    expires_in = body["expires_in"].get<int64_t>();
  }
  out->expires_at_s = NowSeconds() + expires_in;
  return Status::OK();
}

Status OidcClient::PollDevice(const DeviceAuthorization& auth, Token* out) {
  std::string url;
  PQWARD_RETURN_IF_ERROR(Endpoint("token_endpoint", &url));
  int interval = auth.interval_s;
  while (NowSeconds() < auth.expires_at_s) {
    std::this_thread::sleep_for(std::chrono::seconds(interval));
    std::vector<std::pair<std::string, std::string>> form = {
        {"grant_type", "urn:ietf:params:oauth:grant-type:device_code"},
        {"device_code", auth.device_code}};
    PQWARD_RETURN_IF_ERROR(ClientAuth(&form));
    json body;
    std::string error;
    Status st = PostForm(url, std::move(form), &body, &error);
    if (st.ok()) {
      out->access_token = ClaimString(body, "access_token");
      out->refresh_token = ClaimString(body, "refresh_token");
      out->expires_at_s = 0;
      if (body.contains("expires_in") && body["expires_in"].is_number()) {
        out->expires_at_s = NowSeconds() + body["expires_in"].get<int64_t>();
      }
      if (out->access_token.empty()) return Status::Identity("device grant gave no access_token");
      return Status::OK();
    }
    if (error == "slow_down") interval += 5;
    if (error != "authorization_pending" && error != "slow_down") return st;
  }
  return Status::Identity("device authorization expired before it was approved");
}

}  // namespace pqward::identity
