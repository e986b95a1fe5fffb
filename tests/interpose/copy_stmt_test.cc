#include <catch2/catch.hpp>

#include "interpose/copy_stmt.h"

using pqward::interpose::CopyStmt;
using pqward::interpose::ParseCopyStmt;
using pqward::mask::CopyFormat;

TEST_CASE("COPY table TO STDOUT in text format", "[interpose]") {
  CopyStmt c;
  REQUIRE(ParseCopyStmt("COPY public.t TO STDOUT", &c).ok());
  CHECK(c.to_stdout);
  CHECK_FALSE(c.binary);
  CHECK(c.options.format == CopyFormat::kText);
  CHECK(c.options.delimiter == '\t');
  CHECK(c.query == "SELECT * FROM \"public\".\"t\"");
}

TEST_CASE("COPY with a column list and CSV options", "[interpose]") {
  CopyStmt c;
  REQUIRE(ParseCopyStmt("copy t (a, \"B\") to stdout with (format csv, header, delimiter ';', "
                        "null 'NA')",
                        &c)
              .ok());
  CHECK(c.options.format == CopyFormat::kCsv);
  CHECK(c.options.delimiter == ';');
  CHECK(c.options.null_string == "NA");
  CHECK(c.header);
  CHECK(c.query == "SELECT \"a\", \"B\" FROM \"t\"");
}

TEST_CASE("COPY (query): the word csv inside the query does not change the format", "[interpose]") {
  CopyStmt c;
  REQUIRE(ParseCopyStmt("COPY (select 'csv' as x, (1) as y) TO STDOUT", &c).ok());
  CHECK(c.options.format == CopyFormat::kText);
  CHECK(c.query == "select 'csv' as x, (1) as y");
}

TEST_CASE("binary COPY and non-COPY statements", "[interpose]") {
  CopyStmt c;
  REQUIRE(ParseCopyStmt("COPY t TO STDOUT (FORMAT binary)", &c).ok());
  CHECK(c.binary);
  REQUIRE(ParseCopyStmt("select 1", &c).ok());
  CHECK_FALSE(c.to_stdout);
  REQUIRE(ParseCopyStmt("COPY t FROM STDIN", &c).ok());
  CHECK_FALSE(c.to_stdout);
  CHECK_FALSE(ParseCopyStmt("COPY (select", &c).ok());
}
