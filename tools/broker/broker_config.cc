// Parsing of pqward-broker's TOML configuration (broker_config.h).
#include "broker_config.h"

#include <toml++/toml.h>

#include "config/section.h"

namespace pqward::broker {

namespace {

using config::CheckKeys;
using config::GetBool;
using config::GetInt;
using config::GetString;
using config::Where;

Status GetList(const toml::table& t, std::string_view key, const std::string& src,
               std::vector<std::string>* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Status::OK();
  const toml::array* a = n->as_array();
  if (a == nullptr)
    return Status::Config(Where(src, *n) + "'" + std::string(key) + "' must be a list");
  for (const toml::node& e : *a) {
    if (!e.is_string()) return Status::Config(Where(src, e) + "list items must be strings");
    out->push_back(*e.value<std::string>());
  }
  return Status::OK();
}

Status GetSeconds(const toml::table& t, std::string_view key, const std::string& src, int* out) {
  long long v = *out;
  PQWARD_RETURN_IF_ERROR(GetInt(t, key, src, &v));
  if (v < 1 || v > 31 * 86400)
    return Status::Config(src + ": '" + std::string(key) + "' out of range");
  *out = static_cast<int>(v);
  return Status::OK();
}

const toml::table* Table(const toml::table& root, const char* name) {
  const toml::node* n = root.get(name);
  return n != nullptr ? n->as_table() : nullptr;
}

Status ParseTables(const toml::table& root, const std::string& src, BrokerConfig* c) {
  PQWARD_RETURN_IF_ERROR(
      CheckKeys(root, "top level", {"broker", "oidc", "database", "role", "creds"}, src));
  if (const toml::table* b = Table(root, "broker")) {
    PQWARD_RETURN_IF_ERROR(CheckKeys(*b, "[broker]",
                                     {"listen", "allow_http_loopback", "tls_cert", "tls_key",
                                      "state_file", "log_file", "reap_interval_ms"},
                                     src));
    PQWARD_RETURN_IF_ERROR(GetString(*b, "listen", src, &c->listen));
    PQWARD_RETURN_IF_ERROR(GetBool(*b, "allow_http_loopback", src, &c->allow_http_loopback));
    PQWARD_RETURN_IF_ERROR(GetString(*b, "tls_cert", src, &c->tls_cert));
    PQWARD_RETURN_IF_ERROR(GetString(*b, "tls_key", src, &c->tls_key));
    PQWARD_RETURN_IF_ERROR(GetString(*b, "state_file", src, &c->state_file));
    PQWARD_RETURN_IF_ERROR(GetString(*b, "log_file", src, &c->log_file));
    PQWARD_RETURN_IF_ERROR(GetSeconds(*b, "reap_interval_ms", src, &c->reap_interval_ms));
  }
  const toml::table* o = Table(root, "oidc");
  if (o == nullptr) return Status::Config(src + ": [oidc] is required");
  PQWARD_RETURN_IF_ERROR(CheckKeys(*o, "[oidc]",
                                   {"issuer", "audience", "ca_file",
                                    "allow_insecure_http_for_loopback", "leeway_s", "timeout_ms"},
                                   src));
  c->oidc.present = true;
  PQWARD_RETURN_IF_ERROR(GetString(*o, "issuer", src, &c->oidc.issuer));
  PQWARD_RETURN_IF_ERROR(GetString(*o, "audience", src, &c->audience));
  PQWARD_RETURN_IF_ERROR(GetString(*o, "ca_file", src, &c->oidc.ca_file));
  PQWARD_RETURN_IF_ERROR(GetBool(*o, "allow_insecure_http_for_loopback", src,
                                 &c->oidc.allow_insecure_http_for_loopback));
  long long leeway = c->leeway_s, timeout = c->oidc.timeout_ms;
  PQWARD_RETURN_IF_ERROR(GetInt(*o, "leeway_s", src, &leeway));
  PQWARD_RETURN_IF_ERROR(GetInt(*o, "timeout_ms", src, &timeout));
  c->leeway_s = static_cast<int>(leeway);
  c->oidc.timeout_ms = static_cast<int>(timeout);
  if (c->oidc.issuer.empty() || c->audience.empty()) {
    return Status::Config(Where(src, *o) + "[oidc] needs issuer and audience");
  }
  const toml::table* d = Table(root, "database");
  if (d == nullptr) return Status::Config(src + ": [database] is required");
  PQWARD_RETURN_IF_ERROR(CheckKeys(*d, "[database]", {"conninfo", "password_file"}, src));
  PQWARD_RETURN_IF_ERROR(GetString(*d, "conninfo", src, &c->db_conninfo));
  PQWARD_RETURN_IF_ERROR(GetString(*d, "password_file", src, &c->db_password_file));
  return Status::OK();
}

Status ParseRules(const toml::table& root, const std::string& src, BrokerConfig* c) {
  const toml::array* roles = root.get("role") ? root.get("role")->as_array() : nullptr;
  const toml::array* creds = root.get("creds") ? root.get("creds")->as_array() : nullptr;
  for (const toml::node& n : roles ? *roles : toml::array{}) {
    const toml::table* t = n.as_table();
    if (t == nullptr) return Status::Config(Where(src, n) + "[[role]] must be a table");
    PQWARD_RETURN_IF_ERROR(CheckKeys(
        *t, "[[role]]",
        {"name", "bound_client_ids", "bound_subjects", "bound_groups", "creds", "token_ttl_s"},
        src));
    RoleRule r;
    PQWARD_RETURN_IF_ERROR(GetString(*t, "name", src, &r.name));
    PQWARD_RETURN_IF_ERROR(GetList(*t, "bound_client_ids", src, &r.bound_client_ids));
    PQWARD_RETURN_IF_ERROR(GetList(*t, "bound_subjects", src, &r.bound_subjects));
    PQWARD_RETURN_IF_ERROR(GetList(*t, "bound_groups", src, &r.bound_groups));
    PQWARD_RETURN_IF_ERROR(GetList(*t, "creds", src, &r.creds));
    PQWARD_RETURN_IF_ERROR(GetSeconds(*t, "token_ttl_s", src, &r.token_ttl_s));
    if (r.name.empty()) return Status::Config(Where(src, *t) + "[[role]] needs name");
    if (r.bound_client_ids.empty() && r.bound_subjects.empty() && r.bound_groups.empty()) {
      return Status::Config(
          Where(src, *t) + "[[role]] '" + r.name +
          "' needs at least one of bound_client_ids, bound_subjects, bound_groups");
    }
    c->roles.push_back(std::move(r));
  }
  for (const toml::node& n : creds ? *creds : toml::array{}) {
    const toml::table* t = n.as_table();
    if (t == nullptr) return Status::Config(Where(src, n) + "[[creds]] must be a table");
    PQWARD_RETURN_IF_ERROR(
        CheckKeys(*t, "[[creds]]", {"path", "group_role", "default_ttl_s", "max_ttl_s"}, src));
    CredsRule r;
    PQWARD_RETURN_IF_ERROR(GetString(*t, "path", src, &r.path));
    PQWARD_RETURN_IF_ERROR(GetString(*t, "group_role", src, &r.group_role));
    PQWARD_RETURN_IF_ERROR(GetSeconds(*t, "default_ttl_s", src, &r.default_ttl_s));
    PQWARD_RETURN_IF_ERROR(GetSeconds(*t, "max_ttl_s", src, &r.max_ttl_s));
    if (r.path.empty() || r.group_role.empty()) {
      return Status::Config(Where(src, *t) + "[[creds]] needs path and group_role");
    }
    c->creds.push_back(std::move(r));
  }
  return Status::OK();
}

}  // namespace

Status LoadBrokerConfig(const std::string& path, BrokerConfig* out) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& err) {
    return Status::Config(path + ":" + std::to_string(err.source().begin.line) + ": " +
                          std::string(err.description()));
  }
  PQWARD_RETURN_IF_ERROR(ParseTables(root, path, out));
  PQWARD_RETURN_IF_ERROR(ParseRules(root, path, out));
  if (out->state_file.empty()) return Status::Config(path + ": [broker] needs state_file");
  if (out->db_conninfo.empty()) return Status::Config(path + ": [database] needs conninfo");
  return Status::OK();
}

}  // namespace pqward::broker
