// Typed access to TOML keys with file:line error messages.
#include "config/section.h"

namespace pqward::config {

std::string Where(const std::string& source, const toml::node& node) {
  const auto& begin = node.source().begin;
  if (begin.line == 0) return source + ": ";
  return source + ":" + std::to_string(begin.line) + ": ";
}

Status CheckKeys(const toml::table& table, std::string_view section,
                 std::initializer_list<std::string_view> allowed, const std::string& source) {
  for (const auto& [key, node] : table) {
    bool known = false;
    for (std::string_view a : allowed) known = known || key.str() == a;
    if (!known) {
      return Status::Config(Where(source, node) + "unknown key '" + std::string(key.str()) +
                            "' in " + std::string(section));
    }
  }
  return Status::OK();
}

namespace {

template <typename T>
Status Get(const toml::table& t, std::string_view key, const std::string& source,
           const char* type_name, T* out) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return Status::OK();
  std::optional<T> v = node->value<T>();
  if (!v || (std::is_same_v<T, bool> != node->is_boolean())) {
    return Status::Config(Where(source, *node) + "key '" + std::string(key) + "' must be " +
                          type_name);
  }
  *out = *v;
  return Status::OK();
}

}  // namespace

Status GetString(const toml::table& t, std::string_view key, const std::string& source,
                 std::string* out) {
  const toml::node* node = t.get(key);
  if (node != nullptr && !node->is_string()) {
    return Status::Config(Where(source, *node) + "key '" + std::string(key) + "' must be a string");
  }
  return Get(t, key, source, "a string", out);
}

Status GetInt(const toml::table& t, std::string_view key, const std::string& source,
              long long* out) {
  const toml::node* node = t.get(key);
  if (node != nullptr && !node->is_integer()) {
    return Status::Config(Where(source, *node) + "key '" + std::string(key) +
                          "' must be an integer");
  }
  return Get(t, key, source, "an integer", out);
}

Status GetBool(const toml::table& t, std::string_view key, const std::string& source, bool* out) {
  return Get(t, key, source, "true or false", out);
}

}  // namespace pqward::config
