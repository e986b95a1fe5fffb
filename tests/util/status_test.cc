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
