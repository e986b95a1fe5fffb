// Parsing COPY statements with libpg_query; see copy_stmt.h.
#include "interpose/copy_stmt.h"

#include <pg_query.h>

#include <nlohmann/json.hpp>

namespace pqward::interpose {

namespace {

using nlohmann::json;

std::string Quote(const std::string& ident) {
  std::string out = "\"";
  for (char c : ident) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// The text of the parenthesised query that starts at sql[open] == '('.
std::string ParenText(const std::string& sql, size_t open) {
  int depth = 0;
  char quote = 0;
  for (size_t i = open; i < sql.size(); i++) {
    char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') quote = c;
    if (c == '(') depth++;
    if (c == ')' && --depth == 0) return sql.substr(open + 1, i - open - 1);
  }
  return "";
}

std::string OptionString(const json& elem) {
  const json* arg = elem.contains("arg") ? &elem["arg"] : nullptr;
  if (arg == nullptr) return "";
  if (arg->contains("String")) return (*arg)["String"].value("sval", "");
  if (arg->contains("Boolean")) return (*arg)["Boolean"].value("boolval", false) ? "true" : "false";
  if (arg->contains("Integer")) return std::to_string((*arg)["Integer"].value("ival", 0));
  return "";
}

void ApplyOptions(const json& options, CopyStmt* out) {
  for (const json& item : options) {
    const json& elem = item["DefElem"];
    std::string name = elem.value("defname", "");
    std::string value = OptionString(elem);
    if (name == "format") {
      out->binary = value == "binary";
      if (value == "csv") out->options = mask::CopyOptions::Csv();
    } else if (name == "header") {
      out->header = value != "false" && value != "0" && value != "off";
    }
  }
  for (const json& item : options) {  // after format, which resets the defaults
    const json& elem = item["DefElem"];
    std::string name = elem.value("defname", "");
    std::string value = OptionString(elem);
    if (name == "delimiter" && value.size() == 1) out->options.delimiter = value[0];
    if (name == "null") out->options.null_string = value;
    if (name == "quote" && value.size() == 1) out->options.quote = value[0];
    if (name == "escape" && value.size() == 1) out->options.escape = value[0];
  }
}

std::string RelationQuery(const json& copy) {
  const json& rel = copy["relation"];
  std::string table = rel.contains("schemaname") ? Quote(rel["schemaname"]) + "." : "";
  table += Quote(rel.value("relname", ""));
  std::string cols;
  for (const json& a : copy.value("attlist", json::array())) {
    cols += (cols.empty() ? "" : ", ") + Quote(a["String"].value("sval", ""));
  }
  return "SELECT " + (cols.empty() ? std::string("*") : cols) + " FROM " + table;
}

}  // namespace

Status ParseCopyStmt(const std::string& sql, CopyStmt* out) {
  *out = CopyStmt();
  PgQueryParseResult parsed = pg_query_parse(sql.c_str());
  Status status;
  try {
    if (parsed.error != nullptr) {
      status = Status::Mask(std::string("cannot parse COPY statement: ") + parsed.error->message);
    } else {
      json tree = json::parse(parsed.parse_tree);
      const json& stmts = tree["stmts"];
      if (stmts.size() == 1 && stmts[0]["stmt"].contains("CopyStmt")) {
        const json& copy = stmts[0]["stmt"]["CopyStmt"];
        out->to_stdout = !copy.value("is_from", false) && !copy.contains("filename") &&
                         !copy.value("is_program", false);
        if (copy.contains("options")) ApplyOptions(copy["options"], out);
        if (copy.contains("query")) {
          size_t open = sql.find('(');
          out->query = open == std::string::npos ? "" : ParenText(sql, open);
        } else if (copy.contains("relation")) {
          out->query = RelationQuery(copy);
        }
      }
    }
  } catch (const std::exception& e) {
    status = Status::Mask(std::string("cannot read COPY statement: ") + e.what());
  }
  pg_query_free_parse_result(parsed);
  return status;
}

}  // namespace pqward::interpose
