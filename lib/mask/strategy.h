// Strategy: one masking strategy ready to apply to a value's text (redact,
// partial, email, hash, null, fixed, regex_replace). Knows nothing about column
// types; mask/typed.h adapts the result to the column's type. Immutable and
// safe to share between threads once created.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "mask/options.h"
#include "util/status.h"

namespace pqward::mask {

// "redact", "partial", ... as written in the config.
const char* StrategyName(StrategyKind kind);
bool ParseStrategyName(std::string_view name, StrategyKind* out);

// Options keys that apply to a strategy (besides "strategy" itself).
bool StrategyTakesOption(StrategyKind kind, std::string_view option);

// Checks the options of a strategy (regex syntax, required values, ranges).
// The message names no rule; callers prefix it.
Status CheckStrategy(const StrategyOptions& options);

using Digest = std::array<uint8_t, 32>;

// HMAC-SHA256(key, data).
Digest Hmac(std::string_view key, std::string_view data);

class Strategy {
 public:
  // `key` is the HMAC key (needed by kHash only).
  static Status Create(const StrategyOptions& options, std::string_view key, Strategy* out);

  StrategyKind kind() const { return options_.kind; }
  const StrategyOptions& options() const { return options_; }

  // Writes the masked text of `value` over *out, or returns false for SQL
  // NULL (kNull). *out keeps its capacity, so a caller that masks a column of
  // a large result through one string allocates once, not once per value.
  // `value` must not point into *out.
  bool ApplyTo(std::string_view value, std::string* out) const;
  // The same, returned: nullopt for SQL NULL.
  std::optional<std::string> Apply(std::string_view value) const;

  // Which characters `Partial` counts, keeps or replaces; others are kept as is.
  enum class Counted { kAll, kDigits, kHexDigits };
  // keep_first/keep_last applied to counted UTF-8 characters, the rest replaced
  // by `fill`; everything is filled when nothing would be hidden.
  std::string Partial(std::string_view value, char fill, Counted counted) const;
  Digest Pseudonym(std::string_view value) const { return Hmac(key_, value); }
  // Lowercase hex of the pseudonym, options().length digits.
  std::string HexPseudonym(std::string_view value) const;
  // regex_replace result.
  std::string Replace(std::string_view value) const;

 private:
  void PartialAscii(std::string_view value, char fill, std::string* out) const;

  StrategyOptions options_;
  std::string key_;
  std::regex regex_;
};

}  // namespace pqward::mask
