// Status formatting. Kept out of the header so the code names live in one place.
#include "util/status.h"

namespace pqward {

Status Status::Config(std::string_view m) {
  return Status(Code::kConfig, m);
}
Status Status::Io(std::string_view m) {
  return Status(Code::kIo, m);
}
Status Status::Journal(std::string_view m) {
  return Status(Code::kJournal, m);
}
Status Status::NotFound(std::string_view m) {
  return Status(Code::kNotFound, m);
}
Status Status::Permission(std::string_view m) {
  return Status(Code::kPermission, m);
}
Status Status::Identity(std::string_view m) {
  return Status(Code::kIdentity, m);
}
Status Status::Broker(std::string_view m) {
  return Status(Code::kBroker, m);
}
Status Status::Mask(std::string_view m) {
  return Status(Code::kMask, m);
}
Status Status::Libpq(std::string_view m) {
  return Status(Code::kLibpq, m);
}
Status Status::Internal(std::string_view m) {
  return Status(Code::kInternal, m);
}
Status Status::Corrupt(std::string_view m) {
  return Status(Code::kCorrupt, m);
}

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
