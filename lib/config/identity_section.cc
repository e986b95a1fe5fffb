// The [identity] and [[broker.target]] sections (docs/identity.md). Only
// syntax and values are checked here; file modes and URL policy are checked by
// identity::Provider::Create so that they are checked again at use.
#include <string>

#include "config/section.h"

namespace pqward::config {

namespace {

Status ParseGrant(const toml::table& t, const std::string& source, identity::Grant* out) {
  std::string name;
  PQWARD_RETURN_IF_ERROR(GetString(t, "grant", source, &name));
  if (name.empty()) return Status::OK();
  static const identity::Grant kAll[] = {
      identity::Grant::kClientCredentials, identity::Grant::kTokenFile,
      identity::Grant::kRefreshToken, identity::Grant::kTokenExchange,
      identity::Grant::kDeviceCode};
  for (identity::Grant g : kAll) {
    if (name == identity::GrantName(g)) {
      *out = g;
      return Status::OK();
    }
  }
  return Status::Config(Where(source, *t.get("grant")) + "grant '" + name +
                        "' is not one of client_credentials, token_file, refresh_token, "
                        "token_exchange, device_code");
}

Status GetPositive(const toml::table& t, std::string_view key, const std::string& source,
                   long long min, int* out) {
  long long v = *out;
  PQWARD_RETURN_IF_ERROR(GetInt(t, key, source, &v));
  if (v < min || v > 86400000) {
    return Status::Config(Where(source, *t.get(key)) + "key '" + std::string(key) +
                          "' is out of range");
  }
  *out = static_cast<int>(v);
  return Status::OK();
}

Status Require(const toml::table& t, const std::string& value, const char* key, const char* section,
               const std::string& source) {
  if (!value.empty()) return Status::OK();
  return Status::Config(Where(source, t) + section + " needs '" + key + "'");
}

Status CheckGrantKeys(const toml::table& t, const std::string& source, const identity::Options& o) {
  using identity::Grant;
  const char* s = "[identity]";
  PQWARD_RETURN_IF_ERROR(Require(t, o.issuer, "issuer", s, source));
  switch (o.grant) {
    case Grant::kClientCredentials:
      PQWARD_RETURN_IF_ERROR(Require(t, o.client_id, "client_id", s, source));
      if (o.client_secret_file.empty() == o.private_key_file.empty()) {
        return Status::Config(Where(source, t) +
                              "grant client_credentials needs exactly one of "
                              "'client_secret_file' or 'private_key_file'");
      }
      break;
    case Grant::kTokenFile:
      PQWARD_RETURN_IF_ERROR(Require(t, o.token_file, "token_file", s, source));
      break;
    case Grant::kRefreshToken:
      PQWARD_RETURN_IF_ERROR(Require(t, o.client_id, "client_id", s, source));
      PQWARD_RETURN_IF_ERROR(Require(t, o.refresh_token_file, "refresh_token_file", s, source));
      break;
    case Grant::kTokenExchange:
      PQWARD_RETURN_IF_ERROR(Require(t, o.client_id, "client_id", s, source));
      PQWARD_RETURN_IF_ERROR(Require(t, o.subject_token_file, "subject_token_file", s, source));
      break;
    case Grant::kDeviceCode:
      PQWARD_RETURN_IF_ERROR(Require(t, o.client_id, "client_id", s, source));
      break;
  }
  return Status::OK();
}

Status ParseTarget(const toml::table& t, const std::string& source, identity::BrokerTarget* out) {
  PQWARD_RETURN_IF_ERROR(CheckKeys(t, "[[broker.target]]",
                                   {"host", "port", "dbname", "user", "service", "url",
                                    "auth_mount", "auth_role", "creds_path", "ca_file"},
                                   source));
  out->where = Where(source, t);
  PQWARD_RETURN_IF_ERROR(GetString(t, "host", source, &out->host));
  PQWARD_RETURN_IF_ERROR(GetString(t, "dbname", source, &out->dbname));
  PQWARD_RETURN_IF_ERROR(GetString(t, "user", source, &out->user));
  PQWARD_RETURN_IF_ERROR(GetString(t, "service", source, &out->service));
  PQWARD_RETURN_IF_ERROR(GetString(t, "url", source, &out->url));
  PQWARD_RETURN_IF_ERROR(GetString(t, "auth_mount", source, &out->auth_mount));
  PQWARD_RETURN_IF_ERROR(GetString(t, "auth_role", source, &out->auth_role));
  PQWARD_RETURN_IF_ERROR(GetString(t, "creds_path", source, &out->creds_path));
  PQWARD_RETURN_IF_ERROR(GetString(t, "ca_file", source, &out->ca_file));
  if (const toml::node* port = t.get("port")) {
    if (port->is_integer()) {
      out->port = std::to_string(port->value<long long>().value_or(0));
    } else {
      PQWARD_RETURN_IF_ERROR(GetString(t, "port", source, &out->port));
    }
  }
  const char* s = "[[broker.target]]";
  PQWARD_RETURN_IF_ERROR(Require(t, out->url, "url", s, source));
  PQWARD_RETURN_IF_ERROR(Require(t, out->auth_mount, "auth_mount", s, source));
  PQWARD_RETURN_IF_ERROR(Require(t, out->auth_role, "auth_role", s, source));
  PQWARD_RETURN_IF_ERROR(Require(t, out->creds_path, "creds_path", s, source));
  for (const std::string* part : {&out->auth_mount, &out->creds_path}) {
    if (part->find("..") != std::string::npos || part->front() == '/' ||
        part->find_first_of("?#% ") != std::string::npos) {
      return Status::Config(out->where + "'" + *part + "' is not a plain API path");
    }
  }
  return Status::OK();
}

}  // namespace

Status ParseIdentitySection(const toml::table& t, const std::string& source,
                            identity::Options* out) {
  PQWARD_RETURN_IF_ERROR(
      CheckKeys(t, "[identity]",
                {"issuer", "grant", "client_id", "client_secret_file", "private_key_file", "key_id",
                 "scope", "audience", "token_file", "refresh_token_file", "subject_token_file",
                 "subject_token_type", "ca_file", "token_cache", "allow_insecure_http_for_loopback",
                 "timeout_ms", "retries", "refresh_margin_s"},
                source));
  out->present = true;
  out->source = source;
  out->where = Where(source, t);
  PQWARD_RETURN_IF_ERROR(GetString(t, "issuer", source, &out->issuer));
  PQWARD_RETURN_IF_ERROR(ParseGrant(t, source, &out->grant));
  for (auto [key, field] : {std::pair{"client_id", &out->client_id},
                            {"client_secret_file", &out->client_secret_file},
                            {"private_key_file", &out->private_key_file},
                            {"key_id", &out->key_id},
                            {"scope", &out->scope},
                            {"audience", &out->audience},
                            {"token_file", &out->token_file},
                            {"refresh_token_file", &out->refresh_token_file},
                            {"subject_token_file", &out->subject_token_file},
                            {"subject_token_type", &out->subject_token_type},
                            {"ca_file", &out->ca_file},
                            {"token_cache", &out->token_cache}}) {
    PQWARD_RETURN_IF_ERROR(GetString(t, key, source, field));
  }
  PQWARD_RETURN_IF_ERROR(GetBool(t, "allow_insecure_http_for_loopback", source,
                                 &out->allow_insecure_http_for_loopback));
  PQWARD_RETURN_IF_ERROR(GetPositive(t, "timeout_ms", source, 100, &out->timeout_ms));
  PQWARD_RETURN_IF_ERROR(GetPositive(t, "retries", source, 0, &out->retries));
  if (out->retries > 10) return Status::Config(out->where + "key 'retries' is at most 10");
  PQWARD_RETURN_IF_ERROR(GetPositive(t, "refresh_margin_s", source, 0, &out->refresh_margin_s));
  return CheckGrantKeys(t, source, *out);
}

Status ParseBrokerSection(const toml::table& t, const std::string& source, identity::Options* out) {
  PQWARD_RETURN_IF_ERROR(CheckKeys(t, "[broker]", {"target"}, source));
  const toml::node* node = t.get("target");
  if (node == nullptr) return Status::OK();
  const toml::array* arr = node->as_array();
  if (arr == nullptr) {
    return Status::Config(Where(source, *node) + "[broker] target must be [[broker.target]]");
  }
  for (const toml::node& entry : *arr) {
    const toml::table* tt = entry.as_table();
    if (tt == nullptr) {
      return Status::Config(Where(source, entry) + "[[broker.target]] must be a table");
    }
    identity::BrokerTarget target;
    PQWARD_RETURN_IF_ERROR(ParseTarget(*tt, source, &target));
    out->targets.push_back(std::move(target));
  }
  return Status::OK();
}

}  // namespace pqward::config
