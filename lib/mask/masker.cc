// The Masker: matching rules to columns, per-cell masking (rules first, then
// detectors), free text, and COPY rows. Strategies live in strategy.cc, type
// handling in typed.cc, detection in detector.cc, COPY syntax in copy_line.cc.
#include "mask/masker.h"

#include <nlohmann/json.hpp>

#include "mask/glob.h"
#include "mask/typed.h"

namespace pqward::mask {

namespace {

thread_local std::vector<Span> t_spans;
thread_local std::vector<CopyField> t_fields;

bool TableMatches(std::string_view glob, std::string_view table) {
  if (glob.find('.') == std::string_view::npos) {
    size_t dot = table.find('.');
    if (dot != std::string_view::npos) table.remove_prefix(dot + 1);
  }
  return GlobMatch(glob, table);
}

// Characters that would change the meaning of an unquoted array element.
bool ArraySafe(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || c == ' ' || c == '\t' ||
        c == '\n' || c == '\r') {
      return false;
    }
  }
  return true;
}

// For each position of a JSON text, whether it is inside a string literal
// is found by a forward scan; `InJsonString` answers for one offset.
bool InJsonString(std::string_view json, size_t offset, size_t* scanned, bool* state) {
  for (; *scanned < offset && *scanned < json.size(); ++*scanned) {
    char c = json[*scanned];
    if (*state && c == '\\') {
      ++*scanned;
    } else if (c == '"') {
      *state = !*state;
    }
  }
  return *state;
}

}  // namespace

Status Masker::Create(const Options& options, std::unique_ptr<Masker>* out) {
  std::unique_ptr<Masker> m(new Masker());
  m->options_ = options;
  m->rules_.reserve(m->options_.rules.size());
  for (const RuleOptions& r : m->options_.rules) {
    Rule rule{&r, Strategy()};
    Status st = Strategy::Create(r.strategy, m->options_.key, &rule.strategy);
    if (!st.ok()) return Status::Config(r.where + ": " + st.message());
    m->rules_.push_back(std::move(rule));
  }
  PQWARD_RETURN_IF_ERROR(
      Strategy::Create(m->options_.detect_strategy, m->options_.key, &m->detect_strategy_)
          .Wrap("[mask.detect]"));
  PQWARD_RETURN_IF_ERROR(
      Detector::Create(m->options_.detect_types, m->options_.custom, &m->detector_));
  *out = std::move(m);
  return Status::OK();
}

bool Masker::RuleMatches(const RuleOptions& r, const ColumnInfo& c) const {
  bool source_known = !c.source_table.empty() && !c.source_column.empty();
  if (!r.table.empty()) {
    if (source_known) {
      return TableMatches(r.table, c.source_table) && GlobMatch(r.column, c.source_column);
    }
    // A table column whose provenance the caller could not resolve: fail
    // closed and match by name.
    return c.table_oid != 0 && GlobMatch(r.column, c.name);
  }
  return GlobMatch(r.column, c.name) ||
         (!c.source_column.empty() && GlobMatch(r.column, c.source_column));
}

Status Masker::CheckTable(std::string_view table, const std::vector<std::string>& columns) const {
  for (const Rule& rule : rules_) {
    const RuleOptions& r = *rule.options;
    if (r.table.empty() || !TableMatches(r.table, table)) continue;
    bool found = false;
    for (const std::string& col : columns) found = found || GlobMatch(r.column, col);
    if (!found) {
      return Status::Config(r.where + ": no column of " + std::string(table) + " matches '" +
                            r.column + "'");
    }
  }
  return Status::OK();
}

Status Masker::CheckCatalog(const std::vector<CatalogTable>& tables) const {
  for (const CatalogTable& t : tables) PQWARD_RETURN_IF_ERROR(CheckTable(t.name, t.columns));
  return Status::OK();
}

ResultPlan Masker::Plan(std::span<const ColumnInfo> columns) const {
  ResultPlan plan;
  bool detect = !detector_->empty();
  plan.columns_.resize(columns.size());
  plan.extra_detect_ = detect;
  plan.needs_masking_ = detect && columns.empty();
  for (size_t i = 0; i < columns.size(); ++i) {
    const ColumnInfo& c = columns[i];
    ResultPlan::Column& p = plan.columns_[i];
    p.oid = c.type_oid;
    p.format = c.format;
    for (size_t k = 0; k < rules_.size() && p.rule < 0; ++k) {
      if (RuleMatches(*rules_[k].options, c)) p.rule = static_cast<int>(k);
    }
    p.detect = p.rule < 0 && detect && DetectableType(c.type_oid, c.format);
    if (p.rule >= 0 || p.detect) plan.masked_.push_back(static_cast<int>(i));
    plan.needs_masking_ =
        plan.needs_masking_ || p.rule >= 0 || (detect && DetectableType(c.type_oid, 0));
  }
  return plan;
}

std::optional<std::string> Masker::ReplaceSpans(std::string_view text,
                                                const std::vector<Span>& spans, bool json,
                                                bool array) const {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0, scanned = 0;
  bool in_string = false;
  for (const Span& s : spans) {
    out.append(text.substr(pos, s.begin - pos));
    std::optional<std::string> r = detect_strategy_.Apply(text.substr(s.begin, s.end - s.begin));
    if (!r) return std::nullopt;  // strategy "null": the whole value
    if (json) {
      bool quoted = InJsonString(text, s.begin, &scanned, &in_string);
      out += JsonString(*r, !quoted);
    } else if (array && !ArraySafe(*r)) {
      return std::nullopt;
    } else {
      out += *r;
    }
    pos = s.end;
  }
  out.append(text.substr(pos));
  if (json && !nlohmann::json::accept(out)) return std::nullopt;
  return out;
}

CellResult Masker::Detect(const ResultPlan::Column& c, std::string_view value,
                          std::string* out) const {
  TypeClass tc = ClassifyType(c.oid);
  bool jsonb_binary = c.format != 0 && tc == TypeClass::kJson && c.oid != 114;
  std::string_view text = value;
  if (jsonb_binary) {
    if (value.empty() || value[0] != 1) return CellResult::kNull;  // unknown jsonb version
    text.remove_prefix(1);
  }
  std::vector<Span>& spans = t_spans;
  if (!detector_->Find(text, &spans)) return CellResult::kUnchanged;
  std::optional<std::string> r =
      ReplaceSpans(text, spans, tc == TypeClass::kJson, tc == TypeClass::kTextArray);
  if (!r) return CellResult::kNull;
  *out = jsonb_binary ? std::string(1, '\1') + *r : std::move(*r);
  return CellResult::kReplaced;
}

CellResult Masker::MaskValue(const ResultPlan::Column& c, std::string_view value,
                             std::string* out) const {
  if (c.rule >= 0) {
    bool kept = MaskTyped(rules_[c.rule].strategy, c.oid, c.format, value, out);
    return kept ? CellResult::kReplaced : CellResult::kNull;
  }
  if (c.detect) return Detect(c, value, out);
  return CellResult::kUnchanged;
}

CellResult Masker::MaskCell(const ResultPlan& plan, size_t column, std::string_view value,
                            std::string* out) const {
  if (column >= plan.columns_.size()) return CellResult::kUnchanged;
  return MaskValue(plan.columns_[column], value, out);
}

bool Masker::MaskText(std::string_view text, std::string* out) const {
  std::vector<Span>& spans = t_spans;
  if (!detector_->Find(text, &spans)) return false;
  std::string r;
  size_t pos = 0;
  for (const Span& s : spans) {
    r.append(text.substr(pos, s.begin - pos));
    std::optional<std::string> m = detect_strategy_.Apply(text.substr(s.begin, s.end - s.begin));
    r += m ? *m : StrategyOptions().text;  // "null" in free text: the redact text
    pos = s.end;
  }
  r.append(text.substr(pos));
  *out = std::move(r);
  return true;
}

bool Masker::MaskCopyRow(const ResultPlan& plan, const CopyOptions& copy, std::string_view row,
                         std::string* out) const {
  if (plan.empty() && !plan.extra_detect_) return false;
  size_t term = CopyTerminatorLength(row);
  std::string_view body = row.substr(0, row.size() - term);
  std::vector<CopyField>& fields = t_fields;
  if (!SplitCopyRow(copy, body, &fields)) {
    out->clear();
    for (size_t i = 0; i < std::max<size_t>(plan.size(), 1); ++i) {
      if (i > 0) out->push_back(copy.delimiter);
      EncodeCopyField(copy, std::nullopt, out);
    }
    out->append(row.substr(row.size() - term));
    return true;
  }
  std::vector<std::optional<std::string>> masked;  // allocated on the first change
  std::vector<bool> changed;
  std::string buf, value;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].null) continue;
    ResultPlan::Column c;
    if (i < plan.columns_.size()) {
      c = plan.columns_[i];
      c.format = 0;  // COPY text and CSV carry text
    } else {
      c.detect = plan.extra_detect_;
    }
    if (c.rule < 0 && !c.detect) continue;
    std::string_view raw = body.substr(fields[i].begin, fields[i].end - fields[i].begin);
    CellResult r = MaskValue(c, DecodeCopyField(copy, raw, &buf), &value);
    if (r == CellResult::kUnchanged) continue;
    if (masked.empty()) {
      masked.resize(fields.size());
      changed.resize(fields.size());
    }
    changed[i] = true;
    if (r == CellResult::kReplaced) masked[i] = std::move(value);
  }
  if (masked.empty()) return false;
  std::string r;
  r.reserve(row.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) r.push_back(copy.delimiter);
    if (changed[i]) {
      EncodeCopyField(copy, masked[i], &r);
    } else {
      r.append(body.substr(fields[i].begin, fields[i].end - fields[i].begin));
    }
  }
  r.append(row.substr(row.size() - term));
  *out = std::move(r);
  return true;
}

bool Masker::AllowBinaryCopy(const ResultPlan& plan) const {
  return !plan.needs_masking_ || options_.binary_copy_allowed();
}

}  // namespace pqward::mask
