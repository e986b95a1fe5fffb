// Status: the error value used everywhere inside pqward (leveldb style).
// Exceptions never cross a module or the C boundary; functions that can fail
// return a Status whose message says what failed and where. Messages never end
// in a newline and never contain a credential or an unmasked value.
#pragma once

#include <string>
#include <string_view>

namespace pqward {

class Status {
 public:
  // Numbered and only ever added to; mirrored by pqward_code in pqward.h.
  enum class Code : int {
    kOk = 0,
    kConfig = 1,      // malformed or invalid configuration
    kIo = 2,          // file or socket I/O failed
    kJournal = 3,     // the journal cannot be opened, read or written
    kNotFound = 4,    // a named thing does not exist
    kPermission = 5,  // a file has unsafe permissions or access was refused
    kIdentity = 6,    // OIDC provider failure
    kBroker = 7,      // credential broker failure
    kMask = 8,        // masking refused or failed
    kLibpq = 9,       // the real libpq is missing or incompatible
    kInternal = 10,   // a bug: unexpected exception or state
    kCorrupt = 11,    // journal integrity check failed
  };

  Status() = default;
  static Status OK() { return Status(); }
  // The error constructors are out of line and cold: a branch that leads to
  // one is laid out away from the code around it, which keeps the
  // statement's path dense in the instruction cache (docs/performance.md).
  [[gnu::cold]] static Status Config(std::string_view m);
  [[gnu::cold]] static Status Io(std::string_view m);
  [[gnu::cold]] static Status Journal(std::string_view m);
  [[gnu::cold]] static Status NotFound(std::string_view m);
  [[gnu::cold]] static Status Permission(std::string_view m);
  [[gnu::cold]] static Status Identity(std::string_view m);
  [[gnu::cold]] static Status Broker(std::string_view m);
  [[gnu::cold]] static Status Mask(std::string_view m);
  [[gnu::cold]] static Status Libpq(std::string_view m);
  [[gnu::cold]] static Status Internal(std::string_view m);
  [[gnu::cold]] static Status Corrupt(std::string_view m);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Config: /etc/pqward.toml:3: unknown key 'foo'"
  std::string ToString() const;
  // Prefixes context: Status::Io("x").Wrap("journal") -> "journal: x".
  Status Wrap(std::string_view context) const;

 private:
  Status(Code c, std::string_view m) : code_(c), message_(m) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Name of a code, as used by ToString and pqward_strerror.
const char* CodeName(Status::Code code);

}  // namespace pqward

#define PQWARD_RETURN_IF_ERROR(expr) \
  do {                               \
    ::pqward::Status _st = (expr);   \
    if (!_st.ok()) [[unlikely]]      \
      return _st;                    \
  } while (0)
