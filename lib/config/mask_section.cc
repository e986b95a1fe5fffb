// The [mask] section: key_file, binary_copy, large_objects, [[mask.rule]] and
// [mask.detect] (+ [[mask.detect.custom]]). Every error names the file, the
// line and the rule or detector it is about, so a typo never leaves a column
// unmasked; regexes are compiled and the key file is read here, at load time.
#include "config/section.h"

#include "mask/detector.h"
#include "mask/key_file.h"
#include "mask/strategy.h"

namespace pqward::config {

namespace {

using mask::StrategyKind;
using mask::StrategyOptions;

// Puts `label` after the "file:line: " of a helper's error, so that a wrong
// type inside a rule still names the rule.
Status Named(const Status& st, const std::string& source, const std::string& label) {
  if (st.ok()) return st;
  const std::string& m = st.message();
  size_t pos = m.rfind(source, 0) == 0 ? m.find(": ", source.size()) : std::string::npos;
  if (pos == std::string::npos) return Status::Config(label + ": " + m);
  return Status::Config(m.substr(0, pos + 2) + label + ": " + m.substr(pos + 2));
}

// The strategy and its options from a rule or [mask.detect] table. `label`
// names it ("mask rule 2"); `what` prefixes errors ("cfg.toml:12: mask rule 2").
Status ParseStrategy(const toml::table& t, const std::string& source, const std::string& label,
                     const std::string& what, StrategyOptions* out) {
  std::string name = mask::StrategyName(out->kind);
  PQWARD_RETURN_IF_ERROR(Named(GetString(t, "strategy", source, &name), source, label));
  if (!mask::ParseStrategyName(name, &out->kind)) {
    return Status::Config(what + ": unknown strategy '" + name + "'");
  }
  static const char* kOptionKeys[] = {"text",  "keep_first", "keep_last", "length",
                                      "value", "pattern",    "replace"};
  for (const char* key : kOptionKeys) {
    const toml::node* node = t.get(key);
    if (node != nullptr && !mask::StrategyTakesOption(out->kind, key)) {
      return Status::Config(Where(source, *node) + what.substr(what.find(": ") + 2) + ": option '" +
                            key + "' does not apply to strategy '" + name + "'");
    }
  }
  long long first = out->keep_first, last = out->keep_last, length = out->length;
  PQWARD_RETURN_IF_ERROR(Named(GetString(t, "text", source, &out->text), source, label));
  PQWARD_RETURN_IF_ERROR(Named(GetInt(t, "keep_first", source, &first), source, label));
  PQWARD_RETURN_IF_ERROR(Named(GetInt(t, "keep_last", source, &last), source, label));
  PQWARD_RETURN_IF_ERROR(Named(GetInt(t, "length", source, &length), source, label));
  PQWARD_RETURN_IF_ERROR(Named(GetString(t, "value", source, &out->value), source, label));
  PQWARD_RETURN_IF_ERROR(Named(GetString(t, "pattern", source, &out->pattern), source, label));
  PQWARD_RETURN_IF_ERROR(Named(GetString(t, "replace", source, &out->replace), source, label));
  if (first < 0 || first > 64 || last < 0 || last > 64 || length < 4 || length > 64) {
    return Status::Config(what + ": keep_first/keep_last must be 0-64 and length 4-64");
  }
  out->keep_first = static_cast<int>(first);
  out->keep_last = static_cast<int>(last);
  out->length = static_cast<int>(length);
  if (out->kind == StrategyKind::kFixed && t.get("value") == nullptr) {
    return Status::Config(what + ": strategy 'fixed' needs a value");
  }
  Status st = mask::CheckStrategy(*out);
  if (!st.ok()) return Status::Config(what + ": " + st.message());
  return Status::OK();
}

// Each element of an array of tables, or an error naming `what`.
Status TablesOf(const toml::node& node, const std::string& source, const std::string& what,
                std::vector<const toml::table*>* out) {
  const toml::array* arr = node.as_array();
  if (arr == nullptr)
    return Status::Config(Where(source, node) + what + " must be [[" + what + "]]");
  for (const toml::node& el : *arr) {
    if (!el.is_table()) {
      return Status::Config(Where(source, el) + what + " entries must be tables");
    }
    out->push_back(el.as_table());
  }
  return Status::OK();
}

Status ParseRule(const toml::table& t, size_t n, const std::string& source,
                 mask::RuleOptions* out) {
  std::string label = "mask rule " + std::to_string(n);
  out->where = Where(source, t) + label;
  PQWARD_RETURN_IF_ERROR(CheckKeys(t, label,
                                   {"table", "column", "strategy", "text", "keep_first",
                                    "keep_last", "length", "value", "pattern", "replace"},
                                   source));
  PQWARD_RETURN_IF_ERROR(Named(GetString(t, "table", source, &out->table), source, label));
  PQWARD_RETURN_IF_ERROR(Named(GetString(t, "column", source, &out->column), source, label));
  if (out->column.empty()) {
    if (out->table.empty()) return Status::Config(out->where + ": needs a column or a table");
    out->column = "*";
  }
  if (t.get("strategy") == nullptr) return Status::Config(out->where + ": needs a strategy");
  return ParseStrategy(t, source, label, out->where, &out->strategy);
}

Status ParseDetect(const toml::table& t, const std::string& source, mask::Options* out) {
  std::string where = Where(source, t) + "[mask.detect]";
  PQWARD_RETURN_IF_ERROR(CheckKeys(t, "[mask.detect]",
                                   {"types", "custom", "strategy", "text", "keep_first",
                                    "keep_last", "length", "value", "pattern", "replace"},
                                   source));
  const toml::node* types = t.get("types");
  if (types == nullptr) {
    out->detect_types = mask::BuiltinDetectorNames();
  } else {
    const toml::array* arr = types->as_array();
    if (arr == nullptr) return Status::Config(Where(source, *types) + "types must be an array");
    for (const toml::node& el : *arr) {
      std::optional<std::string> name = el.value<std::string>();
      if (!name || !el.is_string()) {
        return Status::Config(Where(source, el) + "[mask.detect]: types must be strings");
      }
      if (!mask::IsBuiltinDetector(*name)) {
        return Status::Config(Where(source, el) + "[mask.detect]: unknown detector type '" + *name +
                              "'");
      }
      out->detect_types.push_back(*name);
    }
  }
  PQWARD_RETURN_IF_ERROR(ParseStrategy(t, source, "[mask.detect]", where, &out->detect_strategy));
  const toml::node* custom = t.get("custom");
  if (custom == nullptr) return Status::OK();
  std::vector<const toml::table*> entries;
  PQWARD_RETURN_IF_ERROR(TablesOf(*custom, source, "mask.detect.custom", &entries));
  for (size_t i = 0; i < entries.size(); ++i) {
    const toml::table& c = *entries[i];
    mask::CustomDetectorOptions d;
    std::string label = "mask detector " + std::to_string(i + 1);
    PQWARD_RETURN_IF_ERROR(CheckKeys(c, label, {"name", "pattern"}, source));
    PQWARD_RETURN_IF_ERROR(Named(GetString(c, "name", source, &d.name), source, label));
    PQWARD_RETURN_IF_ERROR(Named(GetString(c, "pattern", source, &d.pattern), source, label));
    if (!d.name.empty()) label = "mask detector '" + d.name + "'";
    d.where = Where(source, c) + label;
    if (d.name.empty()) return Status::Config(d.where + ": needs a name");
    if (d.pattern.empty()) return Status::Config(d.where + ": needs a pattern");
    Status st = mask::CheckCustomPattern(d.pattern);
    if (!st.ok()) return Status::Config(d.where + ": " + st.message());
    out->custom.push_back(std::move(d));
  }
  return Status::OK();
}

Status ParsePolicy(const toml::table& t, const char* key, const std::string& source, bool* set,
                   bool* allow) {
  std::string v;
  PQWARD_RETURN_IF_ERROR(GetString(t, key, source, &v));
  if (t.get(key) == nullptr) return Status::OK();
  if (v != "allow" && v != "deny") {
    return Status::Config(Where(source, *t.get(key)) + "[mask] " + key +
                          " must be \"deny\" or \"allow\"");
  }
  *set = true;
  *allow = v == "allow";
  return Status::OK();
}

bool UsesHash(const mask::Options& o) {
  if (o.detect_strategy.kind == StrategyKind::kHash &&
      (!o.detect_types.empty() || !o.custom.empty())) {
    return true;
  }
  for (const mask::RuleOptions& r : o.rules) {
    if (r.strategy.kind == StrategyKind::kHash) return true;
  }
  return false;
}

}  // namespace

Status ParseMaskSection(const toml::table& t, const std::string& source, mask::Options* out) {
  PQWARD_RETURN_IF_ERROR(CheckKeys(
      t, "[mask]", {"key_file", "binary_copy", "large_objects", "rule", "detect"}, source));
  PQWARD_RETURN_IF_ERROR(GetString(t, "key_file", source, &out->key_file));
  PQWARD_RETURN_IF_ERROR(
      ParsePolicy(t, "binary_copy", source, &out->binary_copy_set, &out->binary_copy_allow));
  PQWARD_RETURN_IF_ERROR(
      ParsePolicy(t, "large_objects", source, &out->large_objects_set, &out->large_objects_allow));
  if (const toml::node* rules = t.get("rule")) {
    std::vector<const toml::table*> entries;
    PQWARD_RETURN_IF_ERROR(TablesOf(*rules, source, "mask.rule", &entries));
    for (size_t i = 0; i < entries.size(); ++i) {
      mask::RuleOptions r;
      PQWARD_RETURN_IF_ERROR(ParseRule(*entries[i], i + 1, source, &r));
      out->rules.push_back(std::move(r));
    }
  }
  if (const toml::node* detect = t.get("detect")) {
    if (!detect->is_table()) {
      return Status::Config(Where(source, *detect) + "[mask.detect] must be a table");
    }
    PQWARD_RETURN_IF_ERROR(ParseDetect(*detect->as_table(), source, out));
  }
  if (!out->key_file.empty()) {
    Status st = mask::ReadKeyFile(out->key_file, &out->key);
    if (!st.ok()) return Status::Config(Where(source, *t.get("key_file")) + st.message());
  } else if (UsesHash(*out)) {
    for (const mask::RuleOptions& r : out->rules) {
      if (r.strategy.kind == StrategyKind::kHash) {
        return Status::Config(r.where + ": strategy 'hash' needs [mask] key_file");
      }
    }
    return Status::Config(Where(source, t) +
                          "[mask.detect]: strategy 'hash' needs [mask] key_file");
  }
  return Status::OK();
}

}  // namespace pqward::config
