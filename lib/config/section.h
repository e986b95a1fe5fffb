// Helpers shared by the section parsers: typed key access that reports
// "file:line: key 'x' must be ..." and rejection of unknown keys.
// Each section of the config has one parser file here, named after it.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "config/config.h"

namespace pqward::config {

// "file:line: " for a node, or "file: " when the node has no source position.
std::string Where(const std::string& source, const toml::node& node);

// Error when `table` holds a key outside `allowed`; `section` names the table.
Status CheckKeys(const toml::table& table, std::string_view section,
                 std::initializer_list<std::string_view> allowed, const std::string& source);

// Typed getters: absent key leaves *out untouched; wrong type is an error.
Status GetString(const toml::table& t, std::string_view key, const std::string& source,
                 std::string* out);
Status GetInt(const toml::table& t, std::string_view key, const std::string& source,
              long long* out);
Status GetBool(const toml::table& t, std::string_view key, const std::string& source, bool* out);

// Section parsers, one file each.
Status ParseJournalSection(const toml::table& t, const std::string& source, journal::Options* out);
Status ParseMaskSection(const toml::table& t, const std::string& source, mask::Options* out);
Status ParseIdentitySection(const toml::table& t, const std::string& source,
                            identity::Options* out);
Status ParseBrokerSection(const toml::table& t, const std::string& source, identity::Options* out);

}  // namespace pqward::config
