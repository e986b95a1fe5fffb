// COPY OUT rows in text and CSV format: escapes, NULLs, quoting, and that only
// the masked fields change.
#include "mask_test_util.h"

using masktest::Col;
using masktest::FromToml;
using pqward::mask::ColumnInfo;
using pqward::mask::CopyOptions;

namespace {

std::string Row(const masktest::Masker& m, const std::vector<ColumnInfo>& cols,
                const CopyOptions& o, std::string_view row) {
  std::string out;
  return m.MaskCopyRow(m.Plan(cols), o, row, &out) ? out : "=";
}

const char kRules[] =
    "[[mask.rule]]\ncolumn = \"email\"\nstrategy = \"email\"\n"
    "[[mask.rule]]\ncolumn = \"gone\"\nstrategy = \"null\"\n";

}  // namespace

TEST_CASE("COPY text rows", "[mask][copy]") {
  auto m = FromToml(kRules);
  std::vector<ColumnInfo> cols = {Col("id", 0), Col("email", 0), Col("note", 0), Col("gone", 0)};
  auto t = CopyOptions::Text();
  CHECK(Row(*m, cols, t, "1\tann@example.com\tline\\nbreak\tx\n") ==
        "1\ta***@example.com\tline\\nbreak\t\\N\n");
  // Escapes are decoded before masking and re-encoded after.
  CHECK(Row(*m, cols, t, "2\ta\\tb@ex\\\\ample.com\t\\N\t\\N\n") ==
        "2\ta***@ex\\\\ample.com\t\\N\t\\N\n");
  // NULL stays NULL; a row with nothing to mask is unchanged.
  CHECK(Row(*m, cols, t, "3\t\\N\tn\t\\N\n") == "=");
  CHECK(Row(*m, {Col("id", 0)}, t, "4\n") == "=");
  // Octal and hex escapes.
  CHECK(Row(*m, cols, t, "5\t\\141nn@example.com\t\\x41\tq") == "5\ta***@example.com\t\\x41\t\\N");
}

TEST_CASE("COPY CSV rows", "[mask][copy]") {
  auto m = FromToml(kRules);
  std::vector<ColumnInfo> cols = {Col("id", 0), Col("email", 0), Col("note", 0), Col("gone", 0)};
  auto c = CopyOptions::Csv();
  CHECK(Row(*m, cols, c, "1,ann@example.com,\"a,b\",x\n") == "1,a***@example.com,\"a,b\",\n");
  CHECK(Row(*m, cols, c, "2,\"ann,\"\"q\"\"@example.com\",,\"\"\n") == "2,a***@example.com,,\n");
  CHECK(Row(*m, cols, c, "3,\"bob@example.com\",\"multi\nline\",\r\n") ==
        "3,b***@example.com,\"multi\nline\",\r\n");
  // Unterminated quote: never passed through.
  CHECK(Row(*m, cols, c, "4,\"bob@example.com\n") == ",,,\n");
}

TEST_CASE("COPY detectors scan every field, known columns or not", "[mask][copy]") {
  const auto& d = masktest::Detecting();
  CHECK(Row(d, {}, CopyOptions::Text(), "1\tcall 555-123-4567\tssn 123-45-6789\n") ==
        "1\tcall ****\tssn ****\n");
  CHECK(Row(d, {}, CopyOptions::Csv(), "1,\"a, b@example.com\",x\n") == "1,\"a, ****\",x\n");
  CHECK(Row(d, {Col("id", 23)}, CopyOptions::Text(), "4111111111111111\t4111111111111111\n") ==
        "4111111111111111\t****\n");
  auto null = FromToml("[mask.detect]\nstrategy = \"null\"\n");
  CHECK(Row(*null, {}, CopyOptions::Csv(), "1,ann@example.com\n") == "1,\n");
}
