// Every strategy on text columns, and type-preserving output for int4, int8,
// numeric, date, uuid, bytea and json columns.
#include <charconv>

#include "mask/typed.h"
#include "mask_test_util.h"

using masktest::Cell;
using masktest::Col;
using masktest::ColumnInfo;
using masktest::FromToml;
using masktest::KeyConfig;
using pqward::mask::CellResult;

namespace {

enum : uint32_t {
  kInt2 = 21,
  kInt4 = 23,
  kInt8 = 20,
  kText = 25,
  kNumeric = 1700,
  kDate = 1082,
  kUuid = 2950,
  kBytea = 17,
  kJson = 114,
  kJsonb = 3802,
  kBool = 16,
  kFloat8 = 701,
  kTimestamp = 1114
};

std::unique_ptr<masktest::Masker> Rule(const std::string& body, const std::string& head = "") {
  return FromToml(head + "[[mask.rule]]\ncolumn = \"v\"\n" + body);
}

bool IsInt(const std::string& s, long long lo, long long hi) {
  long long v;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && v >= lo && v <= hi;
}

}  // namespace

TEST_CASE("redact, partial, email, null, fixed, regex_replace on text", "[mask][strategy]") {
  CHECK(Cell(*Rule("strategy = \"redact\"\n"), Col("v", kText), "secret") == "****");
  CHECK(Cell(*Rule("strategy = \"redact\"\ntext = \"[x]\"\n"), Col("v", kText), "s") == "[x]");
  auto partial = Rule("strategy = \"partial\"\nkeep_first = 1\nkeep_last = 2\n");
  CHECK(Cell(*partial, Col("v", kText), "abcdefg") == "a****fg");
  CHECK(Cell(*partial, Col("v", kText), "Zoë Müller") == "Z*******er");    // characters, not bytes
  CHECK(Cell(*partial, Col("v", kText), "abcdefghijé") == "a********jé");  // past 8 bytes too
  CHECK(Cell(*partial, Col("v", kText), "abcdefghé12345678") == "a**************78");
  CHECK(Cell(*partial, Col("v", kText), "abc") == "***");  // nothing would be hidden
  CHECK(Cell(*partial, Col("v", kText), "abcd") == "a*cd");
  auto email = Rule("strategy = \"email\"\n");
  CHECK(Cell(*email, Col("v", kText), "alice@example.com") == "a***@example.com");
  CHECK(Cell(*email, Col("v", kText), "not-an-email") == "n***");
  CHECK(Cell(*Rule("strategy = \"null\"\n"), Col("v", kText), "x") == "NULL");
  CHECK(Cell(*Rule("strategy = \"fixed\"\nvalue = \"anon\"\n"), Col("v", kText), "x") == "anon");
  auto re = Rule("strategy = \"regex_replace\"\npattern = \"[0-9]\"\nreplace = \"#\"\n");
  CHECK(Cell(*re, Col("v", kText), "call 555-1234 now") == "call ###-#### now");
  auto groups = Rule(
      "strategy = \"regex_replace\"\npattern = \"(\\\\w+)@(\\\\w+)\"\n"
      "replace = \"$2 user\"\n");
  CHECK(Cell(*groups, Col("v", kText), "bob@corp") == "corp user");
}

// MaskTuples masks a whole column through one output string, which keeps
// the capacity (and the bytes) of the value before: each result must be
// exactly its own value's, whatever was there.
TEST_CASE("one output string reused across a column's cells", "[mask][strategy]") {
  const char* values[] = {"alice.longname@example.com", "b@x.io",          "",
                          "carol@example.org",          "Zoë@example.com", "no-at-sign-at-all"};
  const char* emails[] = {"a***@example.com", "b***@x.io",        "***",
                          "c***@example.org", "Z***@example.com", "n***"};
  const char* partials[] = {"**********************.com", "**x.io",          "",
                            "*************.org",          "***********.com", "*************-all"};
  auto email = Rule("strategy = \"email\"\n");
  auto partial = Rule("strategy = \"partial\"\nkeep_last = 4\n");
  ColumnInfo col = Col("v", kText);
  pqward::mask::ResultPlan email_plan = email->Plan({&col, 1});
  pqward::mask::ResultPlan partial_plan = partial->Plan({&col, 1});
  std::string out(64, 'x');  // a longer leftover than any result
  for (size_t i = 0; i < std::size(values); i++) {
    INFO(values[i]);
    REQUIRE(email->MaskCell(email_plan, 0, values[i], &out) == CellResult::kReplaced);
    CHECK(out == emails[i]);
    REQUIRE(partial->MaskCell(partial_plan, 0, values[i], &out) == CellResult::kReplaced);
    CHECK(out == partials[i]);
  }
  auto null = Rule("strategy = \"null\"\n");
  CHECK(null->MaskCell(null->Plan({&col, 1}), 0, "x", &out) == CellResult::kNull);
}

TEST_CASE("rules match by name glob, case-insensitively, first rule wins", "[mask][strategy]") {
  auto m = FromToml(
      "[[mask.rule]]\ncolumn = \"*SSN*\"\nstrategy = \"partial\"\nkeep_last = 4\n"
      "[[mask.rule]]\ncolumn = \"*\"\nstrategy = \"redact\"\n");
  CHECK(Cell(*m, Col("customer_ssn_no", kText), "123-45-6789") == "*******6789");
  CHECK(Cell(*m, Col("name", kText), "Bob") == "****");
}

TEST_CASE("hash is stable for a key and differs between keys", "[mask][strategy]") {
  std::string head = KeyConfig("key-one-0123456789abcdef");
  auto a = Rule("strategy = \"hash\"\n", head);
  auto b = Rule("strategy = \"hash\"\n", head);
  auto c = Rule("strategy = \"hash\"\n", KeyConfig("key-two-0123456789abcdef"));
  std::string ha = Cell(*a, Col("v", kText), "alice@example.com");
  CHECK(ha.size() == 16);
  CHECK(ha.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(ha == Cell(*b, Col("v", kText), "alice@example.com"));
  CHECK(ha != Cell(*c, Col("v", kText), "alice@example.com"));
  CHECK(ha != Cell(*a, Col("v", kText), "bob@example.com"));
  auto longer = Rule("strategy = \"hash\"\nlength = 32\n", head);
  CHECK(Cell(*longer, Col("v", kText), "alice@example.com").substr(0, 16) == ha);
  // The same value hashes the same in text and binary format.
  std::string t = Cell(*a, Col("v", kInt4), "123456");
  std::string bin = Cell(*a, Col("v", kInt4, 1), std::string("\0\x01\xe2\x40", 4));
  std::string back;
  REQUIRE(pqward::mask::BinaryToText(kInt4, bin, &back));
  CHECK(back == t);
}

TEST_CASE("type-preserving output for integers", "[mask][types]") {
  std::string head = KeyConfig();
  auto redact = Rule("strategy = \"redact\"\n");
  auto partial = Rule("strategy = \"partial\"\nkeep_last = 2\n");
  auto hash = Rule("strategy = \"hash\"\n", head);
  CHECK(Cell(*redact, Col("v", kInt4), "123456") == "0");
  CHECK(Cell(*partial, Col("v", kInt4), "123456") == "56");
  CHECK(Cell(*partial, Col("v", kInt8), "-9223372036854775808") == "-8");
  CHECK(Cell(*Rule("strategy = \"partial\"\nkeep_first = 2\n"), Col("v", kInt4), "123456") ==
        "120000");
  for (int i = 0; i < 200; ++i) {
    std::string v = std::to_string(i * 7919);
    CHECK(IsInt(Cell(*hash, Col("v", kInt2), v), 0, 32767));
    CHECK(IsInt(Cell(*hash, Col("v", kInt4), v), 0, 2147483647));
    CHECK(IsInt(Cell(*hash, Col("v", kInt8), v), 0, INT64_MAX));
  }
  CHECK(Cell(*Rule("strategy = \"fixed\"\nvalue = \"-1\"\n"), Col("v", kInt4), "5") == "-1");
  CHECK(Cell(*Rule("strategy = \"fixed\"\nvalue = \"n/a\"\n"), Col("v", kInt4), "5") == "NULL");
  CHECK(Cell(*Rule("strategy = \"fixed\"\nvalue = \"99999\"\n"), Col("v", kInt2), "5") == "NULL");
  CHECK(Cell(*Rule("strategy = \"email\"\n"), Col("v", kInt8), "5") == "0");
  auto re = Rule("strategy = \"regex_replace\"\npattern = \"[0-9]\"\nreplace = \"x\"\n");
  CHECK(Cell(*re, Col("v", kInt4), "42") == "NULL");
}

TEST_CASE("type-preserving output for numeric, float, date, uuid, bool", "[mask][types]") {
  auto partial = Rule("strategy = \"partial\"\nkeep_first = 2\n");
  CHECK(Cell(*partial, Col("v", kNumeric), "12345.67") == "12000.00");
  CHECK(Cell(*Rule("strategy = \"redact\"\n"), Col("v", kFloat8), "2.5") == "0");
  CHECK(Cell(*Rule("strategy = \"redact\"\n"), Col("v", kDate), "1990-05-17") == "NULL");
  CHECK(Cell(*Rule("strategy = \"hash\"\n", KeyConfig()), Col("v", kDate), "1990-05-17") == "NULL");
  CHECK(Cell(*Rule("strategy = \"fixed\"\nvalue = \"1970-01-01\"\n"), Col("v", kDate),
             "1990-05-17") == "1970-01-01");
  CHECK(Cell(*Rule("strategy = \"fixed\"\nvalue = \"someday\"\n"), Col("v", kDate), "1990-05-17") ==
        "NULL");
  CHECK(Cell(*Rule("strategy = \"partial\"\nkeep_last = 4\n"), Col("v", kTimestamp),
             "2024-01-01 10:00:00") == "NULL");
  CHECK(Cell(*Rule("strategy = \"redact\"\n"), Col("v", kBool), "t") == "NULL");
  std::string u = "6f1c2a4e-9b0d-4c3e-8a7f-112233445566";
  CHECK(Cell(*Rule("strategy = \"redact\"\n"), Col("v", kUuid), u) ==
        "00000000-0000-0000-0000-000000000000");
  CHECK(Cell(*Rule("strategy = \"partial\"\nkeep_last = 4\n"), Col("v", kUuid), u) ==
        "00000000-0000-0000-0000-000000005566");
  std::string hu = Cell(*Rule("strategy = \"hash\"\n", KeyConfig()), Col("v", kUuid), u);
  CHECK(pqward::mask::ValidText(kUuid, hu));
  CHECK(hu != u);
}

TEST_CASE("bytea and json stay valid", "[mask][types]") {
  CHECK(Cell(*Rule("strategy = \"redact\"\n"), Col("v", kBytea), "\\x0102") == "\\x2a2a2a2a");
  std::string h = Cell(*Rule("strategy = \"hash\"\n", KeyConfig()), Col("v", kBytea), "\\x0102");
  CHECK(pqward::mask::ValidText(kBytea, h));
  CHECK(Cell(*Rule("strategy = \"partial\"\nkeep_last = 1\n"), Col("v", kBytea), "\\x01") ==
        "NULL");
  CHECK(Cell(*Rule("strategy = \"redact\"\n"), Col("v", kJson), "{\"a\":1}") == "\"****\"");
  CHECK(Cell(*Rule("strategy = \"email\"\n"), Col("v", kJsonb), "\"bob@x.org\"") ==
        "\"\\\"***@x.org\\\"\"");
  CHECK(Cell(*Rule("strategy = \"fixed\"\nvalue = \"{}\"\n"), Col("v", kJson), "[1]") == "{}");
}

TEST_CASE("binary results: valid binary or NULL, never the raw bytes", "[mask][types]") {
  auto redact = Rule("strategy = \"redact\"\n");
  auto partial = Rule("strategy = \"partial\"\nkeep_last = 2\n");
  auto hash = Rule("strategy = \"hash\"\n", KeyConfig());
  std::string int4(std::string("\0\x01\xe2\x40", 4));  // 123456
  CHECK(Cell(*redact, Col("v", kInt4, 1), int4) == std::string(4, '\0'));
  CHECK(Cell(*partial, Col("v", kInt4, 1), int4) == std::string("\0\0\0\x38", 4));  // 56
  std::string hashed = Cell(*hash, Col("v", kInt8, 1), std::string("\0\0\0\0\0\0\0\x07", 8));
  CHECK(hashed.size() == 8);
  CHECK(Cell(*redact, Col("v", kText, 1), "secret") == "****");
  CHECK(Cell(*redact, Col("v", kJsonb, 1), "\x01{\"a\": 1}") == "\x01\"****\"");
  std::string uuid_bin(16, '\x11');
  CHECK(Cell(*redact, Col("v", kUuid, 1), uuid_bin) == std::string(16, '\0'));
  // No binary codec or no valid masked form: NULL.
  std::string date_bin("\0\0\x1f\x40", 4);
  std::string numeric_bin("\0\x01\0\0\0\0\0\0\0\x07", 10);
  for (auto* m : {redact.get(), partial.get(), hash.get()}) {
    CHECK(Cell(*m, Col("v", kDate, 1), date_bin) == "NULL");
    CHECK(Cell(*m, Col("v", kNumeric, 1), numeric_bin) == "NULL");
    CHECK(Cell(*m, Col("v", 16385, 1), "enumlabel") == "NULL");
  }
  CHECK(Cell(*Rule("strategy = \"fixed\"\nvalue = \"1970-01-01\"\n"), Col("v", kDate, 1),
             date_bin) == "NULL");
  // Detectors on binary text columns scan the raw text.
  auto& d = masktest::Detecting();
  CHECK(Cell(d, Col("v", kText, 1), "ssn 123-45-6789") == "ssn ****");
  CHECK(Cell(d, Col("v", kInt8, 1), std::string(8, '\x01')) == "=");
}
