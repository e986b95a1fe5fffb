// Masker: the masking engine, created once per process from the [mask] config
// and used by interpose/ on every value before the program or the journal sees
// it. Pure functions on values: it opens no connection and runs no query; the
// caller resolves catalog names and applies the results to PGresults, COPY
// rows, notices and notifications. docs/masking.md describes the behaviour.
//
// Thread safety: Create is not; every other method is const and may be called
// from any number of threads at once.
//
// How interpose/ uses it:
//
//   std::unique_ptr<mask::Masker> m;                    // once, at first use
//   Status st = mask::Masker::Create(config.mask, &m);   // error: refuse to run
//
//   // A PGresult with tuples (PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE):
//   std::vector<mask::ColumnInfo> cols(PQnfields(res));
//   for each i: cols[i].name = PQfname(res, i); cols[i].type_oid = PQftype(res, i);
//               cols[i].format = PQfformat(res, i); cols[i].table_oid = PQftable(res, i);
//               cols[i].table_column = PQftablecol(res, i);
//               if (m->NeedsCatalog() && table_oid != 0)   // cached per connection
//                 cols[i].source_table = "schema.table", cols[i].source_column = attname;
//   mask::ResultPlan plan = m->Plan(cols);
//   if (!plan.empty())
//     for each row r, column c with !PQgetisnull(res, r, c):
//       switch (m->MaskCell(plan, c, {PQgetvalue(res, r, c), PQgetlength(res, r, c)}, &out)) {
//         case CellResult::kUnchanged: break;
//         case CellResult::kReplaced: PQsetvalue(res, r, c, out.data(), out.size()); break;
//         case CellResult::kNull: PQsetvalue(res, r, c, nullptr, -1); break;
//       }
//
//   // COPY OUT, text or CSV (PQgetCopyData gives one row per call):
//   mask::ResultPlan plan = m->Plan(cols_from_copy_column_list_or_empty);
//   if (binary COPY && !m->AllowBinaryCopy(plan)) -> refuse the COPY (libpq-style error)
//   if (m->MaskCopyRow(plan, mask::CopyOptions::Csv(), row, &out)) row = out;
//
//   // Notices, errors, NOTIFY payloads:
//   if (m->MaskText(message, &out)) message = out;
//
//   // lo_* and PQfn: if (!m->AllowLargeObjects()) -> refuse the call.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mask/copy_line.h"
#include "mask/detector.h"
#include "mask/options.h"
#include "mask/strategy.h"
#include "util/status.h"

namespace pqward::mask {

// What the caller knows about one result (or COPY) column. Views must stay
// valid during Plan() only.
struct ColumnInfo {
  std::string_view name;           // PQfname; "" when unknown (COPY)
  uint32_t type_oid = 0;           // PQftype; 0 when unknown: treated as text
  int format = 0;                  // PQfformat: 0 text, 1 binary
  uint32_t table_oid = 0;          // PQftable; 0 when not a plain table column
  int table_column = 0;            // PQftablecol
  std::string_view source_table;   // "schema.table" of table_oid, "" if unresolved
  std::string_view source_column;  // attname of (table_oid, table_column), "" if unresolved
};

// What Masker decided for each column of one result. Computed once per
// result (or COPY), cheap to keep, independent of the Masker's lifetime
// only in that it must be used with the Masker that made it.
class ResultPlan {
 public:
  // No cell of this result can change: skip it entirely.
  bool empty() const { return masked_.empty(); }
  size_t size() const { return columns_.size(); }
  // Index of the rule (in Options::rules) masking column i, or -1.
  int rule(size_t i) const { return i < columns_.size() ? columns_[i].rule : -1; }
  // Whether the detectors scan column i.
  bool detects(size_t i) const { return i < columns_.size() && columns_[i].detect; }
  // The columns with a rule or detectors, in order: a large result's loop
  // visits these and skips the others without looking at them.
  const std::vector<int>& masked_columns() const { return masked_; }

 private:
  friend class Masker;
  struct Column {
    int rule = -1;        // rule index, or -1
    bool detect = false;  // detectors scan this column
    uint32_t oid = 0;     // type OID
    int format = 0;       // 0 text, 1 binary
  };
  std::vector<Column> columns_;
  std::vector<int> masked_;     // indexes of columns_ with a rule or detectors
  bool extra_detect_ = false;   // COPY fields past columns_ are scanned
  bool needs_masking_ = false;  // binary COPY of this would leak
};

enum class CellResult {
  kUnchanged,  // leave the value as it is (nothing written to *out)
  kReplaced,   // use *out (same format as the input: text or binary)
  kNull,       // make the value SQL NULL
};

// A table and its columns, as read from the catalog for CheckCatalog.
struct CatalogTable {
  std::string name;                  // "schema.table"
  std::vector<std::string> columns;  // attnames
};

class Masker {
 public:
  // Compiles rules and detectors. Errors name the rule ("cfg.toml:12: mask
  // rule 2: ..."). Options come from config/ (already checked there).
  static Status Create(const Options& options, std::unique_ptr<Masker>* out);

  const Options& options() const { return options_; }
  // Any rule or detector configured; when false every call is a no-op.
  bool enabled() const { return options_.enabled(); }

  // Whether Plan() wants source_table/source_column filled in: true when any
  // column rule exists (rules with `table` need it; rules without it also
  // match the source column name, which catches aliases like `email AS x`).
  bool NeedsCatalog() const { return !rules_.empty(); }

  // SQL to resolve a PQftable OID ($1) into "schema.table" and its columns:
  // rows (qualified_name text, attnum int2, attname name).
  static constexpr const char* kTableColumnsQuery =
      "SELECT n.nspname || '.' || c.relname, a.attnum, a.attname "
      "FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
      "WHERE c.oid = $1::pg_catalog.oid AND a.attnum > 0 AND NOT a.attisdropped";

  // Checks the rules with `table` against one table of the live catalog:
  // every such rule whose table glob matches `table` must match at least one
  // of `columns`. The error names the rule ("cfg.toml:12: mask rule 2: no
  // column of public.customers matches 'emial'"). Tables no rule names are OK.
  Status CheckTable(std::string_view table, const std::vector<std::string>& columns) const;
  // CheckTable over many tables; the first error wins.
  Status CheckCatalog(const std::vector<CatalogTable>& tables) const;

  // The plan for one result or COPY. Rule order decides: the first rule that
  // matches a column masks it (detectors then do not run on it).
  ResultPlan Plan(std::span<const ColumnInfo> columns) const;

  // Masks one non-NULL cell (bytes as given by PQgetvalue/PQgetlength). The
  // fast path (column untouched, or detectors found nothing) allocates nothing.
  CellResult MaskCell(const ResultPlan& plan, size_t column, std::string_view value,
                      std::string* out) const;

  // Masks detected content in free text (error and notice messages, NOTIFY
  // payloads): only the matched spans change. Returns false (and leaves *out
  // alone) when nothing was found.
  bool MaskText(std::string_view text, std::string* out) const;

  // Masks one COPY OUT row in text or CSV format (with or without its "\n").
  // Fields are matched to plan columns by position; fields past the plan (or
  // all fields when the columns are unknown) are scanned by the detectors.
  // Returns false when the row is unchanged; *out gets the whole new row,
  // including the original line terminator. A CSV row that cannot be parsed
  // (unterminated quote) is never passed through: it becomes a row of NULLs.
  bool MaskCopyRow(const ResultPlan& plan, const CopyOptions& copy, std::string_view row,
                   std::string* out) const;

  // Binary COPY OUT cannot be masked: may this one run unmasked? True when
  // no column of the plan would be masked, or binary_copy = "allow".
  bool AllowBinaryCopy(const ResultPlan& plan) const;

  // lo_* and PQfn return bytes pqward cannot mask: may they run?
  bool AllowLargeObjects() const { return options_.large_objects_allowed(); }

 private:
  struct Rule {
    const RuleOptions* options;  // into options_.rules
    Strategy strategy;
  };
  Masker() = default;
  bool RuleMatches(const RuleOptions& r, const ColumnInfo& c) const;
  CellResult MaskValue(const ResultPlan::Column& c, std::string_view value, std::string* out) const;
  CellResult Detect(const ResultPlan::Column& c, std::string_view value, std::string* out) const;
  // Replaces the spans of `text` (JSON-aware for json/jsonb); nullopt = NULL.
  std::optional<std::string> ReplaceSpans(std::string_view text, const std::vector<Span>& spans,
                                          bool json, bool array) const;

  Options options_;
  std::vector<Rule> rules_;
  std::unique_ptr<Detector> detector_;
  Strategy detect_strategy_;
};

}  // namespace pqward::mask
