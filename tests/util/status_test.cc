#include <catch2/catch.hpp>

#include "util/status.h"

using pqward::Status;

TEST_CASE("Status carries code and message", "[util]") {
  Status ok = Status::OK();
  CHECK(ok.ok());
  CHECK(ok.ToString() == "OK");
  Status bad = Status::Journal("disk full").Wrap("journal /tmp/j.db");
  CHECK_FALSE(bad.ok());
  CHECK(bad.code() == Status::Code::kJournal);
  CHECK(bad.ToString() == "Journal: journal /tmp/j.db: disk full");
}

TEST_CASE("each error constructor gives its own code and name", "[util]") {
  struct Case {
    Status status;
    Status::Code code;
    const char* text;
  };
  const Case cases[] = {
      {Status::Config("m"), Status::Code::kConfig, "Config: m"},
      {Status::Io("m"), Status::Code::kIo, "IO error: m"},
      {Status::Journal("m"), Status::Code::kJournal, "Journal: m"},
      {Status::NotFound("m"), Status::Code::kNotFound, "Not found: m"},
      {Status::Permission("m"), Status::Code::kPermission, "Permission: m"},
      {Status::Identity("m"), Status::Code::kIdentity, "Identity: m"},
      {Status::Broker("m"), Status::Code::kBroker, "Broker: m"},
      {Status::Mask("m"), Status::Code::kMask, "Mask: m"},
      {Status::Libpq("m"), Status::Code::kLibpq, "libpq: m"},
      {Status::Internal("m"), Status::Code::kInternal, "Internal: m"},
      {Status::Corrupt("m"), Status::Code::kCorrupt, "Corrupt: m"},
  };
  for (const Case& c : cases) {
    CHECK_FALSE(c.status.ok());
    CHECK(c.status.code() == c.code);
    CHECK(c.status.ToString() == c.text);
  }
}
