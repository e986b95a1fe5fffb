// Status formatting. Kept out of the header so the code names live in one place.
#include "util/status.h"

namespace pqward {

// Every error code once: its constructor's name, its enumerator and the text
// ToString gives it.
#define PQWARD_STATUS_CODES(X)             \
  X(Config, kConfig, "Config")             \
  X(Io, kIo, "IO error")                   \
  X(Journal, kJournal, "Journal")          \
  X(NotFound, kNotFound, "Not found")      \
  X(Permission, kPermission, "Permission") \
  X(Identity, kIdentity, "Identity")       \
  X(Broker, kBroker, "Broker")             \
  X(Mask, kMask, "Mask")                   \
  X(Libpq, kLibpq, "libpq")                \
  X(Internal, kInternal, "Internal")       \
  X(Corrupt, kCorrupt, "Corrupt")

#define PQWARD_DEFINE_CONSTRUCTOR(name, code, text) \
  Status Status::name(std::string_view m) {         \
    return Status(Code::code, m);                   \
  }
PQWARD_STATUS_CODES(PQWARD_DEFINE_CONSTRUCTOR)
#undef PQWARD_DEFINE_CONSTRUCTOR

const char* CodeName(Status::Code code) {
#define PQWARD_CODE_CASE(name, code, text) \
  case Status::Code::code:                 \
    return text;
  switch (code) {
    case Status::Code::kOk:
      return "OK";
      PQWARD_STATUS_CODES(PQWARD_CODE_CASE)
  }
#undef PQWARD_CODE_CASE
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

Status Status::Wrap(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

}  // namespace pqward
