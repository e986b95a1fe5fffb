// Helpers shared by the mask unit tests: a Masker from TOML text, a key file
// with a given mode, and one-call masking of text and cells.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "config/config.h"
#include "mask/masker.h"
#include "temp_dir.h"

namespace masktest {

using pqward::mask::CellResult;
using pqward::mask::ColumnInfo;
using pqward::mask::Masker;

// A file in a fresh temporary directory with `content` and `mode`.
inline std::string TempFile(const std::string& content, mode_t mode) {
  std::string dir = testutil::NewTempDir();
  REQUIRE(!dir.empty());
  std::string path = dir + "/mask.key";
  std::ofstream(path) << content;
  REQUIRE(chmod(path.c_str(), mode) == 0);
  return path;
}

inline pqward::Status Parse(const std::string& toml, pqward::Config* c) {
  return pqward::ParseConfig(toml, "cfg.toml", c);
}

inline std::unique_ptr<Masker> FromToml(const std::string& toml) {
  pqward::Config c;
  pqward::Status st = Parse(toml, &c);
  INFO(st.ToString());
  REQUIRE(st.ok());
  std::unique_ptr<Masker> m;
  st = Masker::Create(c.mask, &m);
  INFO(st.ToString());
  REQUIRE(st.ok());
  return m;
}

// A masker with every built-in detector and the default strategy (redact).
inline const Masker& Detecting() {
  static std::unique_ptr<Masker> m = FromToml("[mask.detect]\n");
  return *m;
}

inline std::string Text(const Masker& m, std::string_view s) {
  std::string out;
  return m.MaskText(s, &out) ? out : std::string(s);
}

// Outcome of masking one cell: "=" unchanged, "NULL", or the new value.
inline std::string Cell(const Masker& m, ColumnInfo col, std::string_view value) {
  pqward::mask::ResultPlan plan = m.Plan({&col, 1});
  std::string out;
  switch (m.MaskCell(plan, 0, value, &out)) {
    case CellResult::kUnchanged:
      return "=";
    case CellResult::kNull:
      return "NULL";
    case CellResult::kReplaced:
      return out;
  }
  return "?";
}

inline ColumnInfo Col(std::string_view name, uint32_t oid, int format = 0) {
  ColumnInfo c;
  c.name = name;
  c.type_oid = oid;
  c.format = format;
  return c;
}

inline std::string KeyConfig(const std::string& key = "0123456789abcdef0123456789abcdef") {
  return "[mask]\nkey_file = \"" + TempFile(key, 0600) + "\"\n";
}

}  // namespace masktest
