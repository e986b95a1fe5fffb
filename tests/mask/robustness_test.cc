// Random and hostile inputs: no crash, no pass-through of masked columns, and
// masked COPY rows keep their field count. Run under ASan/UBSan in CI.
#include <random>

#include "mask_test_util.h"

using masktest::Col;
using masktest::FromToml;
using pqward::mask::CopyField;
using pqward::mask::CopyOptions;

namespace {

std::string RandomText(std::mt19937& rng, size_t max) {
  static const char kAlphabet[] =
      "0123456789-. :+()@abcdefEKIAJyz\t\n\\\",{}/AKIASIAeyJ-----BEGIN PRIVATE KEY";
  std::string s;
  size_t n = rng() % max;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(rng() % 8 == 0 ? static_cast<char>(rng() % 256)
                               : kAlphabet[rng() % (sizeof kAlphabet - 1)]);
  }
  return s;
}

}  // namespace

TEST_CASE("random input never crashes and masked columns never pass through", "[mask][robust]") {
  auto m = FromToml(masktest::KeyConfig() +
                    "[[mask.rule]]\ncolumn = \"h\"\nstrategy = \"hash\"\n"
                    "[[mask.rule]]\ncolumn = \"p\"\nstrategy = \"partial\"\nkeep_last = 2\n"
                    "[[mask.rule]]\ncolumn = \"r\"\nstrategy = \"regex_replace\"\n"
                    "pattern = \"[0-9]+\"\nreplace = \"#\"\n[mask.detect]\n");
  std::mt19937 rng(2024);
  const uint32_t kOids[] = {0,   16,  17,   20,   21,   23,   25,   114,
                            700, 701, 1009, 1082, 1700, 2950, 3802, 16400};
  for (int i = 0; i < 3000; ++i) {
    std::string v = RandomText(rng, 120);
    uint32_t oid = kOids[rng() % (sizeof kOids / sizeof kOids[0])];
    int format = static_cast<int>(rng() % 2);
    for (const char* name : {"h", "p", "r", "free"}) {
      std::string r = masktest::Cell(*m, Col(name, oid, format), v);
      if (std::string(name) != "free" && !v.empty()) CHECK(r != "=");
    }
    std::string out;
    m->MaskText(v, &out);
    for (CopyOptions o : {CopyOptions::Text(), CopyOptions::Csv()}) {
      std::vector<pqward::mask::ColumnInfo> cols = {Col("h", 0), Col("free", 0)};
      std::vector<CopyField> before, after;
      bool parsed = pqward::mask::SplitCopyRow(o, v, &before);
      if (m->MaskCopyRow(m->Plan(cols), o, v, &out) && parsed) {
        REQUIRE(pqward::mask::SplitCopyRow(o, out, &after));
        CHECK(after.size() == before.size());
      }
    }
  }
}
