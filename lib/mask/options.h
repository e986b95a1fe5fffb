// Options of the [mask] config section: column rules, content detectors and the
// policies for what cannot be masked. Owned by mask/; parsed by config/
// (config/mask_section.cc); turned into a Masker by mask/masker.h.
#pragma once

#include <string>
#include <vector>

namespace pqward::mask {

// How a value is masked (docs/masking.md, "Strategies").
enum class StrategyKind {
  kRedact,        // fixed text, `text` (default "****")
  kPartial,       // keep `keep_first` / `keep_last` characters, the rest '*'
  kEmail,         // a***@example.com
  kHash,          // keyed HMAC-SHA256 pseudonym (needs key_file)
  kNull,          // SQL NULL
  kFixed,         // `value`
  kRegexReplace,  // std::regex `pattern` replaced by `replace` ($1 ...)
};

struct StrategyOptions {
  StrategyKind kind = StrategyKind::kRedact;
  std::string text = "****";  // redact: replacement text
  int keep_first = 0;         // partial: leading characters kept
  int keep_last = 0;          // partial: trailing characters kept
  int length = 16;            // hash: hex digits of the pseudonym (4..64)
  std::string value;          // fixed: replacement value
  std::string pattern;        // regex_replace: ECMAScript regex
  std::string replace;        // regex_replace: replacement format ($1, $&)
};

// One [[mask.rule]]. A rule matches a result column when `column` matches the
// column's name or its source column name and, if `table` is set, the source
// table matches `table`. Globs: '*', '?', case-insensitive.
struct RuleOptions {
  std::string where;   // "cfg.toml:12: mask rule 2", prefix of errors about it
  std::string table;   // glob on "schema.table" (or "table": any schema); "" = any
  std::string column;  // glob on the column name; "*" when only table is given
  StrategyOptions strategy;
};

// One [[mask.detect.custom]]: a Hyperscan (PCRE subset) regex.
struct CustomDetectorOptions {
  std::string where;  // "cfg.toml:20: mask detector 'employee_id'"
  std::string name;
  std::string pattern;
};

struct Options {
  std::string key_file;            // HMAC key file for `hash` (mode 0600)
  std::string key;                 // its contents, read at load time (secret)
  bool binary_copy_set = false;    // binary_copy given explicitly
  bool binary_copy_allow = false;  // binary_copy = "allow"
  bool large_objects_set = false;  // large_objects given explicitly
  bool large_objects_allow = false;
  std::vector<RuleOptions> rules;         // in file order; the first match wins
  std::vector<std::string> detect_types;  // built-in detector names
  std::vector<CustomDetectorOptions> custom;
  StrategyOptions detect_strategy;  // how detected spans are replaced

  // Any rule or detector configured.
  bool enabled() const { return !rules.empty() || !detect_types.empty() || !custom.empty(); }
  // lo_* and PQfn may run: explicit "allow", or nothing to mask.
  bool large_objects_allowed() const {
    return large_objects_set ? large_objects_allow : !enabled();
  }
  // Binary COPY OUT of data that would need masking may run unmasked.
  bool binary_copy_allowed() const { return binary_copy_set ? binary_copy_allow : !enabled(); }
};

}  // namespace pqward::mask
