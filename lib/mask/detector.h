// Detector: finds sensitive content (emails, card numbers, SSNs, IBANs, phone
// numbers, IP addresses, JWTs, AWS keys, PEM private keys, custom regexes) in
// free text. The patterns are compiled into Hyperscan block-mode databases
// (detector.cc says which and why); Hyperscan proposes candidate spans and
// C++ confirms them (Luhn, mod-97, octets, word boundaries). Immutable after
// Create; Find is thread-safe and uses a per-thread Hyperscan scratch cloned
// from the detector's prototype.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mask/options.h"
#include "util/status.h"

struct hs_database;
struct hs_scratch;

namespace pqward::mask {

// The built-in detector names, in documentation order.
const std::vector<std::string>& BuiltinDetectorNames();
bool IsBuiltinDetector(std::string_view name);

// Whether Hyperscan can compile `pattern` for a custom detector; the error
// says why not ("invalid pattern: ...").
Status CheckCustomPattern(const std::string& pattern);

// A half-open byte range [begin, end) of a text.
struct Span {
  size_t begin;
  size_t end;
};

class Detector {
 public:
  // `types`: built-in names (checked by the config); `custom`: user regexes.
  static Status Create(const std::vector<std::string>& types,
                       const std::vector<CustomDetectorOptions>& custom,
                       std::unique_ptr<Detector>* out);
  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  bool empty() const;

  // Replaces *spans with the sorted, non-overlapping spans of confirmed
  // sensitive content; returns whether there is any. No allocation when the
  // text has no candidate. If Hyperscan fails, one span covers the whole text
  // (fail closed).
  bool Find(std::string_view text, std::vector<Span>* spans) const;

  struct Expr;  // one Hyperscan pattern and its validator (detector.cc)

 private:
  Detector() = default;
  // All patterns; those found by a literal; those starting with a digit class.
  enum Group { kAll, kLiteral, kDigitClass };
  static constexpr size_t kSplitFrom = 320;  // bytes; shorter texts scan kAll only

  Status Compile(Group group, hs_database** db, hs_scratch** scratch) const;
  hs_scratch* Scratch() const;
  bool Scan(std::string_view text) const;

  hs_database* dbs_[3] = {};                   // by Group
  hs_scratch* prototype_ = nullptr;            // serves all three; cloned once per thread
  uint64_t id_ = 0;                            // unique per detector, keys per-thread scratch
  std::vector<const Expr*> exprs_;             // by Hyperscan expression id
  std::vector<std::unique_ptr<Expr>> custom_;  // owned custom expressions
};

}  // namespace pqward::mask
