// The [mask] config section: the example from docs/masking.md loads, and every
// error names the file, the line and the rule or detector.
#include "mask_test_util.h"

using masktest::Parse;
using masktest::TempFile;

namespace {

std::string Error(const std::string& toml) {
  pqward::Config c;
  pqward::Status st = Parse(toml, &c);
  return st.ok() ? "OK" : st.message();
}

}  // namespace

TEST_CASE("the documented example loads", "[mask][config]") {
  std::string key = TempFile("0123456789abcdef0123456789abcdef\n", 0600);
  pqward::Config c;
  pqward::Status st = Parse("[mask]\nkey_file = \"" + key +
                                "\"\nbinary_copy = \"deny\"\nlarge_objects = \"deny\"\n"
                                "[[mask.rule]]\ntable = \"public.customers\"\ncolumn = \"email\"\n"
                                "strategy = \"email\"\n"
                                "[[mask.rule]]\ncolumn = \"*ssn*\"\nstrategy = \"partial\"\n"
                                "keep_last = 4\n"
                                "[[mask.rule]]\ncolumn = \"user_id\"\nstrategy = \"hash\"\n"
                                "[mask.detect]\ntypes = [\"email\", \"credit_card\", \"us_ssn\", "
                                "\"iban\", \"phone\", \"ip\", \"jwt\", \"aws_key\", "
                                "\"private_key\"]\nstrategy = \"redact\"\n"
                                "[[mask.detect.custom]]\nname = \"employee_id\"\n"
                                "pattern = \"EMP-[0-9]{6}\"\n",
                            &c);
  INFO(st.ToString());
  REQUIRE(st.ok());
  CHECK(c.mask.enabled());
  CHECK(c.mask.rules.size() == 3);
  CHECK(c.mask.rules[1].strategy.keep_last == 4);
  CHECK(c.mask.key == "0123456789abcdef0123456789abcdef");
  CHECK(c.mask.detect_types.size() == 9);
  CHECK(c.mask.custom.at(0).name == "employee_id");
  CHECK_FALSE(c.mask.large_objects_allowed());
  CHECK_FALSE(c.mask.binary_copy_allowed());
  std::unique_ptr<pqward::mask::Masker> m;
  CHECK(pqward::mask::Masker::Create(c.mask, &m).ok());
}

TEST_CASE("defaults", "[mask][config]") {
  pqward::Config c;
  REQUIRE(Parse("[mask.detect]\n", &c).ok());
  CHECK(c.mask.detect_types.size() == 9);  // no types: all built-in detectors
  CHECK(c.mask.detect_strategy.kind == pqward::mask::StrategyKind::kRedact);
  CHECK_FALSE(c.mask.large_objects_allowed());
  pqward::Config none;
  REQUIRE(Parse("", &none).ok());
  CHECK_FALSE(none.mask.enabled());
  CHECK(none.mask.large_objects_allowed());
}

TEST_CASE("errors name the rule and its line", "[mask][config]") {
  CHECK(Error("[[mask.rule]]\ncolumn = \"a\"\nstrategy = \"redact\"\n\n"
              "[[mask.rule]]\ncolumn = \"b\"\nstrategy = \"blur\"\n") ==
        "cfg.toml:5: mask rule 2: unknown strategy 'blur'");
  CHECK(Error("[[mask.rule]]\ncolumn = \"a\"\nstrategy = \"regex_replace\"\npattern = \"(\"\n")
            .rfind("cfg.toml:1: mask rule 1: invalid regex '('", 0) == 0);
  CHECK(Error("[[mask.rule]]\ncolumn = \"a\"\nstrateg = \"redact\"\n") ==
        "cfg.toml:3: unknown key 'strateg' in mask rule 1");
  CHECK(Error("[[mask.rule]]\ncolumn = \"a\"\nstrategy = \"redact\"\nkeep_last = 4\n") ==
        "cfg.toml:4: mask rule 1: option 'keep_last' does not apply to strategy 'redact'");
  CHECK(Error("[[mask.rule]]\ncolumn = \"a\"\n") == "cfg.toml:1: mask rule 1: needs a strategy");
  CHECK(Error("[[mask.rule]]\nstrategy = \"null\"\n") ==
        "cfg.toml:1: mask rule 1: needs a column or a table");
  CHECK(Error("[[mask.rule]]\ncolumn = \"a\"\nstrategy = \"partial\"\n") ==
        "cfg.toml:1: mask rule 1: strategy 'partial' needs keep_first or keep_last");
  CHECK(Error("[[mask.rule]]\ncolumn = \"a\"\nstrategy = \"fixed\"\n") ==
        "cfg.toml:1: mask rule 1: strategy 'fixed' needs a value");
  CHECK(Error("[[mask.rule]]\ncolumn = \"a\"\nstrategy = \"partial\"\nkeep_last = \"4\"\n") ==
        "cfg.toml:4: mask rule 1: key 'keep_last' must be an integer");
  CHECK(Error("[[mask.rule]]\ncolumn = \"a\"\nstrategy = \"hash\"\nlength = 2\n") ==
        "cfg.toml:1: mask rule 1: keep_first/keep_last must be 0-64 and length 4-64");
  CHECK(Error("[mask]\ncolour = 1\n") == "cfg.toml:2: unknown key 'colour' in [mask]");
  CHECK(Error("[mask]\nbinary_copy = \"maybe\"\n") ==
        "cfg.toml:2: [mask] binary_copy must be \"deny\" or \"allow\"");
}

TEST_CASE("detector errors name the detector", "[mask][config]") {
  CHECK(Error("[mask.detect]\ntypes = [\"email\", \"ssn\"]\n") ==
        "cfg.toml:2: [mask.detect]: unknown detector type 'ssn'");
  CHECK(Error("[mask.detect]\nstrategy = \"blur\"\n") ==
        "cfg.toml:1: [mask.detect]: unknown strategy 'blur'");
  std::string bad =
      Error("[mask.detect]\n[[mask.detect.custom]]\nname = \"emp\"\npattern = \"EMP-[0-9\"\n");
  CHECK(bad.rfind("cfg.toml:2: mask detector 'emp': invalid pattern 'EMP-[0-9'", 0) == 0);
  CHECK(Error("[mask.detect]\n[[mask.detect.custom]]\nname = \"e\"\npattern = \"x*\"\n")
            .rfind("cfg.toml:2: mask detector 'e': invalid pattern", 0) == 0);
  CHECK(Error("[mask.detect]\n[[mask.detect.custom]]\npattern = \"x\"\n") ==
        "cfg.toml:2: mask detector 1: needs a name");
}

TEST_CASE("key file: required for hash, mode 0600 only", "[mask][config]") {
  std::string rule = "[[mask.rule]]\ncolumn = \"id\"\nstrategy = \"hash\"\n";
  CHECK(Error(rule) == "cfg.toml:1: mask rule 1: strategy 'hash' needs [mask] key_file");
  std::string open_key = TempFile("0123456789abcdef0123456789abcdef", 0644);
  CHECK(Error("[mask]\nkey_file = \"" + open_key + "\"\n" + rule) ==
        "cfg.toml:2: key_file '" + open_key +
            "': mode 0644 gives access to group or others; chmod 600 it");
  std::string group_key = TempFile("0123456789abcdef0123456789abcdef", 0640);
  CHECK(Error("[mask]\nkey_file = \"" + group_key + "\"\n" + rule).find("mode 0640") !=
        std::string::npos);
  CHECK(Error("[mask]\nkey_file = \"/nonexistent/mask.key\"\n" + rule) ==
        "cfg.toml:2: key_file '/nonexistent/mask.key': No such file or directory");
  std::string short_key = TempFile("short", 0600);
  CHECK(Error("[mask]\nkey_file = \"" + short_key + "\"\n" + rule).find("at least 16 bytes") !=
        std::string::npos);
  std::string good = TempFile("0123456789abcdef0123456789abcdef", 0600);
  CHECK(Error("[mask]\nkey_file = \"" + good + "\"\n" + rule) == "OK");
  CHECK(Error("[mask.detect]\nstrategy = \"hash\"\n") ==
        "cfg.toml:1: [mask.detect]: strategy 'hash' needs [mask] key_file");
}
