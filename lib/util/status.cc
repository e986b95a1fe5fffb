// Status formatting. Kept out of the header so the code names live in one place.
#include "util/status.h"

namespace pqward {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "OK";
    case Status::Code::kConfig:
      return "Config";
    case Status::Code::kIo:
      return "IO error";
    case Status::Code::kJournal:
      return "Journal";
    case Status::Code::kNotFound:
      return "Not found";
    case Status::Code::kPermission:
      return "Permission";
    case Status::Code::kIdentity:
      return "Identity";
    case Status::Code::kBroker:
      return "Broker";
    case Status::Code::kMask:
      return "Mask";
    case Status::Code::kLibpq:
      return "libpq";
    case Status::Code::kInternal:
      return "Internal";
    case Status::Code::kCorrupt:
      return "Corrupt";
  }
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
