// The content detectors: Hyperscan patterns (block mode, leftmost start of
// match) and the C++ checks that confirm each candidate. A pattern is
// deliberately loose; its validator decides (checksum, boundaries, ranges).
//
// Each set of patterns is compiled three times. A text of kSplitFrom bytes or
// more is scanned twice: once for the patterns found by a literal or a rare
// character ("@", "eyJ", ":", "+"), once for those that start with a digit
// class and have no literal (cards, SSNs, IBANs, phone numbers, IPv4).
// Hyperscan builds one engine per database, and the engine of all twelve
// patterns was slower than the two scans together (prose, 4 KiB values: 295
// against 459 MB/s). A shorter text is scanned once, by all patterns: below
// about 300 bytes the cost of a second scan outweighs the gain (64 B: 209
// against 136 MB/s). docs/masking.md, "Throughput", has the figures.
#include "mask/detector.h"

#include <hs/hs.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>

#include "mask/validators.h"

namespace pqward::mask {

// A confirmed candidate may have its span adjusted by the validator.
using Validator = bool (*)(std::string_view text, size_t* begin, size_t* end);

struct Detector::Expr {
  const char* name;     // detector name ("ip" has two patterns)
  std::string pattern;  // Hyperscan syntax
  Validator validate;   // nullptr: accept as matched
  bool digit_class;     // no literal to find it by: in the second database
};

namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsWord(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsNumberJoiner(char c) {
  return c == '.' || c == ',' || c == '-' || c == ':' || c == '/';
}

// Nothing number-like touches the span: no word character, and no "1." / ".1"
// (decimals, versions, dates, longer digit groups) on either side.
bool NumericLeft(std::string_view t, size_t b) {
  if (b == 0) return true;
  if (IsWord(t[b - 1])) return false;
  return !(IsNumberJoiner(t[b - 1]) && b >= 2 && IsDigit(t[b - 2]));
}
bool NumericRight(std::string_view t, size_t e) {
  if (e >= t.size()) return true;
  if (IsWord(t[e])) return false;
  return !(IsNumberJoiner(t[e]) && e + 1 < t.size() && IsDigit(t[e + 1]));
}
bool WordLeft(std::string_view t, size_t b) {
  return b == 0 || !IsWord(t[b - 1]);
}
bool WordRight(std::string_view t, size_t e) {
  return e >= t.size() || !IsWord(t[e]);
}

std::string_view Sub(std::string_view t, size_t b, size_t e) {
  return t.substr(b, e - b);
}

// Hyperscan reports only the leftmost start for each end, so a card or IBAN
// preceded by other digit groups is retried from each later group.
template <typename Fn>
bool TryGroupStarts(std::string_view t, size_t* b, size_t e, Fn ok) {
  for (size_t s = *b; s < e; ++s) {
    if (s != *b && t[s - 1] != ' ' && t[s - 1] != '-') continue;
    if (ok(s)) {
      *b = s;
      return true;
    }
  }
  return false;
}

bool ValidCard(std::string_view t, size_t* b, size_t* e) {
  if (!NumericRight(t, *e)) return false;
  return TryGroupStarts(t, b, *e, [&](size_t s) {
    return IsDigit(t[s]) && NumericLeft(t, s) && CardNumberValid(Sub(t, s, *e));
  });
}

bool ValidIban(std::string_view t, size_t* b, size_t* e) {
  if (!WordRight(t, *e)) return false;
  return TryGroupStarts(t, b, *e,
                        [&](size_t s) { return WordLeft(t, s) && IbanValid(Sub(t, s, *e)); });
}

bool ValidSsn(std::string_view t, size_t* b, size_t* e) {
  return NumericLeft(t, *b) && NumericRight(t, *e) && SsnValid(Sub(t, *b, *e));
}

bool ValidPhone(std::string_view t, size_t* b, size_t* e) {
  bool left = IsDigit(t[*b]) ? NumericLeft(t, *b) : WordLeft(t, *b);
  return left && NumericRight(t, *e) && PhoneValid(Sub(t, *b, *e));
}

bool ValidIpv4(std::string_view t, size_t* b, size_t* e) {
  return NumericLeft(t, *b) && NumericRight(t, *e) && Ipv4Valid(Sub(t, *b, *e));
}

bool ValidIpv6(std::string_view t, size_t* b, size_t* e) {
  if (*b > 0 && (IsWord(t[*b - 1]) || t[*b - 1] == ':')) return false;
  if (*e < t.size() && (IsWord(t[*e]) || t[*e] == ':')) return false;
  return Ipv6Valid(Sub(t, *b, *e));
}

bool ValidJwt(std::string_view t, size_t* b, size_t* e) {
  if (*b > 0 && (IsWord(t[*b - 1]) || t[*b - 1] == '-' || t[*b - 1] == '.')) return false;
  return *e >= t.size() || !(IsWord(t[*e]) || t[*e] == '-');
}

bool ValidWord(std::string_view t, size_t* b, size_t* e) {
  return WordLeft(t, *b) && WordRight(t, *e);
}

bool IsLocalPart(char c) {
  return IsWord(c) || c == '.' || c == '%' || c == '+' || c == '-';
}

// The pattern holds one character of the local part (a leading "+" in the
// pattern makes Hyperscan's start-of-match state too large); extend it here.
bool ExtendEmail(std::string_view t, size_t* b, size_t* e) {
  while (*b > 0 && IsLocalPart(t[*b - 1])) --*b;
  return true;
}

// The match is the BEGIN line; the span runs to the end of the END line, or
// to the end of the text when the block is cut off.
bool ExtendPrivateKey(std::string_view t, size_t* b, size_t* e) {
  size_t end = t.find("-----END ", *e);
  if (end != std::string_view::npos) end = t.find("PRIVATE KEY-----", end);
  *e = end == std::string_view::npos ? t.size() : end + std::strlen("PRIVATE KEY-----");
  return true;
}

const Detector::Expr kBuiltins[] = {
    {"email", "[A-Za-z0-9._%+-]@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,63}", ExtendEmail,
     false},
    {"credit_card", "[0-9](?:[ -]?[0-9]){12,18}", ValidCard, true},
    {"us_ssn", "[0-9]{3}-[0-9]{2}-[0-9]{4}", ValidSsn, true},
    {"iban", "[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}", ValidIban, true},
    {"phone", "\\+[1-9][0-9]{0,2}(?:[ .-]?(?:\\([0-9]{1,4}\\)|[0-9]{1,4})){2,6}", ValidPhone,
     false},
    {"phone", "\\([0-9]{3}\\) ?[0-9]{3}[-. ][0-9]{4}", ValidPhone, false},
    {"phone", "[0-9]{3}[-.][0-9]{3}[-.][0-9]{4}", ValidPhone, true},
    {"ip", "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}", ValidIpv4, true},
    {"ip", "[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}", ValidIpv6, false},
    {"jwt", "eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*", ValidJwt, false},
    {"aws_key", "(?:AKIA|ASIA)[A-Z0-9]{16}", ValidWord, false},
    {"private_key", "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----", ExtendPrivateKey, false},
};

struct Candidate {
  unsigned int id;
  size_t begin;
  size_t end;
};

int OnMatch(unsigned int id, unsigned long long from, unsigned long long to, unsigned int,
            void* ctx) {
  static_cast<std::vector<Candidate>*>(ctx)->push_back(
      {id, static_cast<size_t>(from), static_cast<size_t>(to)});
  return 0;
}

// Scratch spaces of this thread, one per live detector it has used.
struct ScratchCache {
  struct Entry {
    uint64_t id;
    hs_scratch_t* scratch;
  };
  std::vector<Entry> entries;
  ~ScratchCache() {
    for (Entry& e : entries) hs_free_scratch(e.scratch);
  }
};
thread_local ScratchCache t_scratch;
thread_local std::vector<Candidate> t_candidates;
std::atomic<uint64_t> g_next_id{1};

Status CompileError(hs_compile_error_t* err, const std::string& what) {
  std::string msg = what + ": " + (err != nullptr ? err->message : "unknown error");
  hs_free_compile_error(err);
  return Status::Config(msg);
}

}  // namespace

const std::vector<std::string>& BuiltinDetectorNames() {
  static const std::vector<std::string> kNames = {
      "email", "credit_card", "us_ssn", "iban", "phone", "ip", "jwt", "aws_key", "private_key"};
  return kNames;
}

bool IsBuiltinDetector(std::string_view name) {
  const auto& n = BuiltinDetectorNames();
  return std::find(n.begin(), n.end(), name) != n.end();
}

Status CheckCustomPattern(const std::string& pattern) {
  if (hs_valid_platform() != HS_SUCCESS) return Status::Mask("Hyperscan needs SSSE3");
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(pattern.c_str(), HS_FLAG_SOM_LEFTMOST, HS_MODE_BLOCK, nullptr, &db, &err) !=
      HS_SUCCESS) {
    return CompileError(err, "invalid pattern '" + pattern + "'");
  }
  hs_free_database(db);
  return Status::OK();
}

// Compiles the expressions of `group` into *db, each with its index in exprs_
// as its id; *db stays null if the group is empty. Grows *scratch to serve *db.
Status Detector::Compile(Group group, hs_database_t** db, hs_scratch_t** scratch) const {
  std::vector<const char*> patterns;
  std::vector<unsigned int> flags, ids;
  for (size_t i = 0; i < exprs_.size(); ++i) {
    if (group != kAll && exprs_[i]->digit_class != (group == kDigitClass)) continue;
    patterns.push_back(exprs_[i]->pattern.c_str());
    flags.push_back(HS_FLAG_SOM_LEFTMOST);
    ids.push_back(static_cast<unsigned int>(i));
  }
  if (patterns.empty()) return Status::OK();
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(),
                       static_cast<unsigned int>(patterns.size()), HS_MODE_BLOCK, nullptr, db,
                       &err) != HS_SUCCESS) {
    size_t bad = err != nullptr && err->expression >= 0 ? ids[err->expression] : ids[0];
    return CompileError(err, std::string("detector '") + exprs_[bad]->name + "'");
  }
  if (hs_alloc_scratch(*db, scratch) != HS_SUCCESS) {
    return Status::Mask("cannot allocate Hyperscan scratch space");
  }
  return Status::OK();
}

Status Detector::Create(const std::vector<std::string>& types,
                        const std::vector<CustomDetectorOptions>& custom,
                        std::unique_ptr<Detector>* out) {
  std::unique_ptr<Detector> d(new Detector());
  d->id_ = g_next_id.fetch_add(1);
  for (const Expr& e : kBuiltins) {
    if (std::find(types.begin(), types.end(), e.name) != types.end()) d->exprs_.push_back(&e);
  }
  for (const CustomDetectorOptions& c : custom) {
    d->custom_.push_back(std::make_unique<Expr>(Expr{"custom", c.pattern, nullptr, false}));
    d->exprs_.push_back(d->custom_.back().get());
  }
  if (!d->exprs_.empty() && hs_valid_platform() != HS_SUCCESS) {
    return Status::Mask("content detectors need a CPU with SSSE3 (Hyperscan)");
  }
  // The split pair only when both groups have patterns: otherwise one of
  // them would be the kAll database again.
  size_t digit = std::count_if(d->exprs_.begin(), d->exprs_.end(),
                               [](const Expr* e) { return e->digit_class; });
  bool split = digit > 0 && digit < d->exprs_.size();
  for (Group g : {kAll, kLiteral, kDigitClass}) {
    if (g != kAll && !split) continue;
    Status st = d->Compile(g, &d->dbs_[g], &d->prototype_);
    if (!st.ok()) return st;
  }
  *out = std::move(d);
  return Status::OK();
}

Detector::~Detector() {
  if (prototype_ != nullptr) hs_free_scratch(prototype_);
  for (hs_database_t* db : dbs_) {
    if (db != nullptr) hs_free_database(db);
  }
}

bool Detector::empty() const {
  return dbs_[kAll] == nullptr;
}

// Fills t_candidates; false if Hyperscan failed.
bool Detector::Scan(std::string_view text) const {
  hs_scratch_t* scratch = Scratch();
  t_candidates.clear();
  if (scratch == nullptr || text.size() > UINT_MAX) return false;
  auto scan = [&](hs_database_t* db) {
    return db == nullptr || hs_scan(db, text.data(), static_cast<unsigned int>(text.size()), 0,
                                    scratch, OnMatch, &t_candidates) == HS_SUCCESS;
  };
  if (text.size() < kSplitFrom || dbs_[kDigitClass] == nullptr) return scan(dbs_[kAll]);
  return scan(dbs_[kLiteral]) && scan(dbs_[kDigitClass]);
}

hs_scratch_t* Detector::Scratch() const {
  auto& entries = t_scratch.entries;
  for (const ScratchCache::Entry& e : entries) {
    if (e.id == id_) return e.scratch;
  }
  hs_scratch_t* s = nullptr;
  if (hs_clone_scratch(prototype_, &s) != HS_SUCCESS) return nullptr;
  if (entries.size() >= 8) {  // detectors long gone; keep the cache small
    hs_free_scratch(entries.front().scratch);
    entries.erase(entries.begin());
  }
  entries.push_back({id_, s});
  return s;
}

bool Detector::Find(std::string_view text, std::vector<Span>* spans) const {
  spans->clear();
  if (empty() || text.empty()) return false;
  if (!Scan(text)) {
    spans->push_back({0, text.size()});
    return true;
  }
  std::vector<Candidate>& cands = t_candidates;
  if (cands.empty()) return false;
  // Leftmost first, longest first: the first confirmed candidate at a start wins.
  std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  Span last{1, 0};
  for (const Candidate& c : cands) {
    if (c.begin >= last.begin && c.end <= last.end) continue;
    Span s{c.begin, c.end};
    const Expr* e = exprs_[c.id];
    if (e->validate != nullptr && !e->validate(text, &s.begin, &s.end)) continue;
    spans->push_back(s);
    last = s;
  }
  if (cands.capacity() > 4096) std::vector<Candidate>().swap(cands);
  // Merge overlaps (validators may move a span).
  std::sort(spans->begin(), spans->end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  size_t n = 0;
  for (const Span& s : *spans) {
    if (n > 0 && s.begin < (*spans)[n - 1].end) {
      (*spans)[n - 1].end = std::max((*spans)[n - 1].end, s.end);
    } else {
      (*spans)[n++] = s;
    }
  }
  spans->resize(n);
  return n > 0;
}

}  // namespace pqward::mask
