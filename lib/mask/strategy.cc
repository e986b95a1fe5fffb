// The masking strategies on plain text, and the HMAC behind `hash`. Column
// types are handled one level up (typed.cc); this file only turns text into text.
#include "mask/strategy.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace pqward::mask {

namespace {

struct StrategyInfo {
  StrategyKind kind;
  const char* name;
  const char* options[3];  // option keys it takes
};

const StrategyInfo kStrategies[] = {
    {StrategyKind::kRedact, "redact", {"text"}},
    {StrategyKind::kPartial, "partial", {"keep_first", "keep_last"}},
    {StrategyKind::kEmail, "email", {}},
    {StrategyKind::kHash, "hash", {"length"}},
    {StrategyKind::kNull, "null", {}},
    {StrategyKind::kFixed, "fixed", {"value"}},
    {StrategyKind::kRegexReplace, "regex_replace", {"pattern", "replace"}},
};

const StrategyInfo& Info(StrategyKind kind) {
  for (const StrategyInfo& s : kStrategies) {
    if (s.kind == kind) return s;
  }
  return kStrategies[0];
}

// Length of the UTF-8 sequence starting with byte c (1 for invalid bytes).
size_t Utf8Len(unsigned char c) {
  if (c >= 0xF0 && c < 0xF8) return 4;
  if (c >= 0xE0) return c < 0xF0 ? 3 : 1;
  if (c >= 0xC0) return 2;
  return 1;
}

// Eight bytes at a time: every value of a masked column passes through here.
bool IsAscii(std::string_view s) {
  size_t i = 0;
  uint64_t high = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    high |= word;
  }
  for (; i < s.size(); i++) high |= static_cast<unsigned char>(s[i]);
  return (high & 0x8080808080808080ull) == 0;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool Counts(char c, Strategy::Counted counted) {
  switch (counted) {
    case Strategy::Counted::kAll:
      return true;
    case Strategy::Counted::kDigits:
      return IsDigit(c);
    case Strategy::Counted::kHexDigits:
      return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  return true;
}

}  // namespace

const char* StrategyName(StrategyKind kind) {
  return Info(kind).name;
}

bool ParseStrategyName(std::string_view name, StrategyKind* out) {
  for (const StrategyInfo& s : kStrategies) {
    if (name == s.name) {
      *out = s.kind;
      return true;
    }
  }
  return false;
}

bool StrategyTakesOption(StrategyKind kind, std::string_view option) {
  for (const char* o : Info(kind).options) {
    if (o != nullptr && option == o) return true;
  }
  return false;
}

Status CheckStrategy(const StrategyOptions& o) {
  switch (o.kind) {
    case StrategyKind::kPartial:
      if (o.keep_first < 0 || o.keep_last < 0 || o.keep_first > 64 || o.keep_last > 64) {
        return Status::Config("keep_first and keep_last must be between 0 and 64");
      }
      if (o.keep_first + o.keep_last == 0) {
        return Status::Config("strategy 'partial' needs keep_first or keep_last");
      }
      break;
    case StrategyKind::kHash:
      if (o.length < 4 || o.length > 64) {
        return Status::Config("hash length must be between 4 and 64");
      }
      break;
    case StrategyKind::kRegexReplace:
      if (o.pattern.empty()) return Status::Config("strategy 'regex_replace' needs a pattern");
      try {
        std::regex re(o.pattern, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return Status::Config("invalid regex '" + o.pattern + "': " + e.what());
      }
      break;
    default:
      break;
  }
  return Status::OK();
}

Digest Hmac(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

Status Strategy::Create(const StrategyOptions& options, std::string_view key, Strategy* out) {
  PQWARD_RETURN_IF_ERROR(CheckStrategy(options));
  if (options.kind == StrategyKind::kHash && key.empty()) {
    return Status::Config("strategy 'hash' needs key_file");
  }
  out->options_ = options;
  out->key_ = options.kind == StrategyKind::kHash ? std::string(key) : std::string();
  if (options.kind == StrategyKind::kRegexReplace) {
    try {
      out->regex_ = std::regex(options.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Status::Config("invalid regex '" + options.pattern + "': " + e.what());
    }
  }
  return Status::OK();
}

// The general case. ApplyTo takes ASCII text with every character counted
// (most masked values) to PartialAscii, which gives the same result.
std::string Strategy::Partial(std::string_view value, char fill, Counted counted) const {
  // Character boundaries of the characters that count.
  size_t total = 0;
  for (size_t i = 0; i < value.size(); i += Utf8Len(value[i])) {
    total += Counts(value[i], counted);
  }
  size_t first = static_cast<size_t>(options_.keep_first);
  size_t last = static_cast<size_t>(options_.keep_last);
  if (first + last >= total) first = last = 0;  // nothing would be hidden
  std::string out;
  out.reserve(value.size());
  size_t n = 0;
  for (size_t i = 0; i < value.size();) {
    size_t len = std::min(Utf8Len(value[i]), value.size() - i);
    bool counts = Counts(value[i], counted);
    bool keep = !counts || n < first || n >= total - last;
    if (keep) {
      out.append(value.substr(i, len));
    } else {
      out.push_back(fill);
    }
    n += counts;
    i += len;
  }
  return out;
}

// Partial for ASCII text with every character counted: one byte per
// character, so the hidden middle is one run of bytes.
void Strategy::PartialAscii(std::string_view value, char fill, std::string* out) const {
  size_t first = static_cast<size_t>(options_.keep_first);
  size_t last = static_cast<size_t>(options_.keep_last);
  if (first + last >= value.size()) {
    out->assign(value.size(), fill);
    return;
  }
  out->assign(value);
  std::fill(out->begin() + first, out->end() - last, fill);
}

std::string Strategy::HexPseudonym(std::string_view value) const {
  static const char kHex[] = "0123456789abcdef";
  Digest d = Pseudonym(value);
  std::string out;
  for (size_t i = 0; i < static_cast<size_t>(options_.length); ++i) {
    uint8_t b = d[i / 2];
    out.push_back(kHex[(i % 2 == 0) ? (b >> 4) : (b & 15)]);
  }
  return out;
}

std::string Strategy::Replace(std::string_view value) const {
  std::string out;
  std::regex_replace(std::back_inserter(out), value.begin(), value.end(), regex_, options_.replace);
  return out;
}

bool Strategy::ApplyTo(std::string_view value, std::string* out) const {
  switch (options_.kind) {
    case StrategyKind::kRedact:
      out->assign(options_.text);
      return true;
    case StrategyKind::kPartial:
      if (IsAscii(value)) {
        PartialAscii(value, '*', out);
      } else {
        *out = Partial(value, '*', Counted::kAll);
      }
      return true;
    case StrategyKind::kEmail: {
      const void* at = memrchr(value.data(), '@', value.size());
      size_t local = at ? static_cast<const char*>(at) - value.data() : value.size();
      out->assign(value.data(), local == 0 ? 0 : std::min(Utf8Len(value[0]), local));
      out->append("***", 3).append(value.substr(local));
      return true;
    }
    case StrategyKind::kHash:
      *out = HexPseudonym(value);
      return true;
    case StrategyKind::kNull:
      return false;
    case StrategyKind::kFixed:
      out->assign(options_.value);
      return true;
    case StrategyKind::kRegexReplace:
      *out = Replace(value);
      return true;
  }
  out->assign(options_.text);
  return true;
}

std::optional<std::string> Strategy::Apply(std::string_view value) const {
  std::string out;
  if (!ApplyTo(value, &out)) return std::nullopt;
  return out;
}

}  // namespace pqward::mask
