// Masker as the interposer uses it: plans from column metadata (names,
// source table and column, types), catalog checks, policies, and detectors
// inside json and array values.
#include "mask_test_util.h"

using masktest::Cell;
using masktest::Col;
using masktest::Detecting;
using masktest::FromToml;
using pqward::mask::CatalogTable;
using pqward::mask::ColumnInfo;

namespace {

const char kRules[] =
    "[[mask.rule]]\ntable = \"public.customers\"\ncolumn = \"email\"\nstrategy = \"email\"\n"
    "[[mask.rule]]\ncolumn = \"*ssn*\"\nstrategy = \"partial\"\nkeep_last = 4\n";

ColumnInfo Sourced(std::string_view name, std::string_view table, std::string_view column) {
  ColumnInfo c = Col(name, 25);
  c.table_oid = 16400;
  c.table_column = 2;
  c.source_table = table;
  c.source_column = column;
  return c;
}

}  // namespace

TEST_CASE("table rules follow the source column through aliases", "[mask][plan]") {
  auto m = FromToml(kRules);
  CHECK(m->NeedsCatalog());
  CHECK(Cell(*m, Sourced("x", "public.customers", "email"), "ann@example.com") ==
        "a***@example.com");
  CHECK(Cell(*m, Sourced("email", "public.orders", "email"), "ann@example.com") == "=");
  // Name-only rules also match the source column.
  CHECK(Cell(*m, Sourced("x", "public.people", "ssn"), "123-45-6789") == "*******6789");
  // An expression has no provenance: the table rule cannot apply.
  CHECK(Cell(*m, Col("upper", 25), "ANN@EXAMPLE.COM") == "=");
  // A table column whose provenance was not resolved: matched by name (fail closed).
  ColumnInfo unresolved = Col("email", 25);
  unresolved.table_oid = 16400;
  CHECK(Cell(*m, unresolved, "ann@example.com") == "a***@example.com");
  ColumnInfo any_schema = Sourced("e", "sales.customers", "email");
  auto m2 = FromToml(
      "[[mask.rule]]\ntable = \"customers\"\ncolumn = \"EMAIL\"\n"
      "strategy = \"redact\"\n");
  CHECK(Cell(*m2, any_schema, "a@b.c") == "****");
}

TEST_CASE("plans: empty when nothing applies", "[mask][plan]") {
  auto m = FromToml(kRules);
  std::vector<ColumnInfo> cols = {Col("id", 23), Col("name", 25)};
  auto plan = m->Plan(cols);
  CHECK(plan.empty());
  CHECK(plan.rule(0) == -1);
  cols.push_back(Col("ssn", 25));
  plan = m->Plan(cols);
  CHECK_FALSE(plan.empty());
  CHECK(plan.rule(2) == 1);
  auto none = FromToml("");
  CHECK_FALSE(none->enabled());
  CHECK_FALSE(none->NeedsCatalog());
  CHECK(none->Plan(cols).empty());
  CHECK(none->AllowLargeObjects());
  CHECK(none->AllowBinaryCopy(none->Plan(cols)));
  std::string out;
  CHECK_FALSE(none->MaskText("ssn 123-45-6789", &out));
  const auto& d = Detecting();
  plan = d.Plan(cols);
  CHECK_FALSE(plan.detects(0));  // int4
  CHECK(plan.detects(1));
}

TEST_CASE("catalog check names the rule", "[mask][plan]") {
  auto m = FromToml(
      "[[mask.rule]]\ncolumn = \"x\"\nstrategy = \"redact\"\n"
      "[[mask.rule]]\ntable = \"public.customers\"\ncolumn = \"emial\"\nstrategy = \"email\"\n");
  CHECK(m->CheckTable("public.orders", {"id"}).ok());
  pqward::Status st = m->CheckTable("public.customers", {"id", "email"});
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "cfg.toml:4: mask rule 2: no column of public.customers matches 'emial'");
  CHECK_FALSE(m->CheckCatalog({CatalogTable{"public.customers", {"email"}}}).ok());
  CHECK(m->CheckCatalog({CatalogTable{"public.customers", {"emial"}}}).ok());
}

TEST_CASE("large objects and binary COPY policies", "[mask][policy]") {
  auto m = FromToml(kRules);
  CHECK_FALSE(m->AllowLargeObjects());
  std::vector<ColumnInfo> safe = {Col("id", 23)}, masked = {Col("ssn", 25, 1)};
  CHECK(m->AllowBinaryCopy(m->Plan(safe)));
  CHECK_FALSE(m->AllowBinaryCopy(m->Plan(masked)));
  auto allow = FromToml(
      std::string("[mask]\nbinary_copy = \"allow\"\nlarge_objects = \"allow\"\n") + kRules);
  CHECK(allow->AllowLargeObjects());
  CHECK(allow->AllowBinaryCopy(allow->Plan(masked)));
  // With detectors, unknown columns and text columns need masking.
  const auto& d = Detecting();
  CHECK_FALSE(d.AllowBinaryCopy(d.Plan({})));
  CHECK_FALSE(d.AllowBinaryCopy(d.Plan(std::vector<ColumnInfo>{Col("t", 25, 1)})));
  CHECK(d.AllowBinaryCopy(d.Plan(safe)));
}

TEST_CASE("detectors inside json and text arrays keep them valid", "[mask][detect]") {
  const auto& d = Detecting();
  CHECK(Cell(d, Col("j", 114), "{\"mail\": \"bob@example.com\", \"n\": 1}") ==
        "{\"mail\": \"****\", \"n\": 1}");
  CHECK(Cell(d, Col("j", 3802), "{\"card\": 4111111111111111}") == "{\"card\": \"****\"}");
  CHECK(Cell(d, Col("a", 1009), "{bob@example.com,plain}") == "{****,plain}");
  auto spaced = FromToml("[mask.detect]\ntypes = [\"email\"]\ntext = \"a b\"\n");
  CHECK(Cell(*spaced, Col("a", 1009), "{bob@example.com}") == "NULL");
  auto nulling = FromToml("[mask.detect]\nstrategy = \"null\"\n");
  CHECK(Cell(*nulling, Col("t", 25), "ssn 123-45-6789") == "NULL");
  CHECK(Cell(*nulling, Col("t", 25), "nothing here") == "=");
  CHECK(Cell(d, Col("u", 16390), "bob@example.com") == "****");  // user type, text format
}

TEST_CASE("a rule takes precedence over detectors on its column", "[mask][plan]") {
  auto m = FromToml(
      "[[mask.rule]]\ncolumn = \"note\"\nstrategy = \"fixed\"\nvalue = \"-\"\n[mask.detect]\n");
  CHECK(Cell(*m, Col("note", 25), "a@b.com") == "-");
  CHECK(Cell(*m, Col("other", 25), "write to a@b.com") == "write to ****");
}
