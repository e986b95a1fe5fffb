// Masking on the libpq paths; see masking.h.
#include "interpose/masking.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "interpose/capture.h"
#include "interpose/copy_stmt.h"
#include "interpose/real.h"
#include "interpose/refusal.h"
#include "interpose/runtime.h"

namespace pqward::interpose {

namespace {

const pqw_api& R() {
  return Real();
}

// The process masker, made from the config on first use.
struct MaskerSetup {
  std::unique_ptr<mask::Masker> masker;
  Status status;  // the config's error, or the rules'
};

// Column metadata with catalog names, kept alive while Plan() reads views.
struct Columns {
  std::vector<journal::Column> meta;
  std::vector<std::string> tables, sources;
  std::vector<mask::ColumnInfo> info;
  std::vector<int> formats;
};

Status Describe(ConnState* st, const mask::Masker& m, Columns* c) {
  size_t n = c->meta.size();
  c->tables.assign(n, "");
  c->sources.assign(n, "");
  c->formats.resize(n, 0);
  for (size_t i = 0; i < n; i++) {
    const journal::Column& col = c->meta[i];
    if (m.NeedsCatalog() && col.table_oid != 0) {
      if (!st->catalog) st->catalog = std::make_unique<Catalog>(st->conn);
      PQWARD_RETURN_IF_ERROR(
          st->catalog->Resolve(col.table_oid, col.table_column, &c->tables[i], &c->sources[i]));
    }
  }
  c->info.clear();
  for (size_t i = 0; i < n; i++) {
    const journal::Column& col = c->meta[i];
    c->info.push_back({col.name, col.type_oid, c->formats[i], col.table_oid, col.table_column,
                       c->tables[i], c->sources[i]});
  }
  return Status::OK();
}

// Whether `res` has the columns the last plan was made for.
bool SameColumns(const PGresult* res, const ConnState::LastPlan& last) {
  int n = R().PQnfields(res);
  if (!last.valid || static_cast<size_t>(n) != last.columns.size()) return false;
  for (int i = 0; i < n; i++) {
    const journal::Column& col = last.columns[i];
    const char* name = R().PQfname(res, i);
    if (R().PQftype(res, i) != col.type_oid || R().PQftable(res, i) != col.table_oid ||
        R().PQftablecol(res, i) != col.table_column || R().PQfformat(res, i) != last.formats[i] ||
        name == nullptr || col.name != name) {
      return false;
    }
  }
  return true;
}

Status PlanResult(ConnState* st, const mask::Masker& m, const PGresult* res, MaskState* ms) {
  ConnState::LastPlan& last = st->last_plan;
  if (!SameColumns(res, last)) {
    last.valid = false;
    Columns c;
    CaptureColumns(res, &c.meta);
    c.formats.resize(c.meta.size());
    for (size_t i = 0; i < c.meta.size(); i++) {
      c.formats[i] = R().PQfformat(res, static_cast<int>(i));
    }
    PQWARD_RETURN_IF_ERROR(Describe(st, m, &c));
    last.plan = m.Plan(c.info);
    last.columns = std::move(c.meta);
    last.formats = std::move(c.formats);
    last.valid = true;
  }
  if (last.plan.empty()) {
    ms->plan = mask::ResultPlan();  // masks nothing: not copied
  } else {
    ms->plan = last.plan;
  }
  ms->planned = true;
  ms->masker = &m;
  return Status::OK();
}

// Consumes the rest of a COPY OUT that is refused, so the connection stays usable.
void DrainCopy(PGconn* conn) {
  char* buf = nullptr;
  while (R().PQgetCopyData(conn, &buf, 0) > 0) R().PQfreemem(buf);
  while (PGresult* r = R().PQgetResult(conn)) R().PQclear(r);
}

// Notices: masked text to the program's receiver or processor, else stderr.
void NoticeReceiver(void* arg, const PGresult* res) {
  auto* st = static_cast<ConnState*>(arg);
  const mask::Masker* m = nullptr;
  (void)GetMasker(&m);
  std::string text = R().PQresultErrorMessage(res);
  std::string masked;
  bool changed = m != nullptr && m->MaskText(text, &masked);
  if (changed) {
    std::unordered_map<int, std::string> fields;
    for (int code :
         {PG_DIAG_MESSAGE_PRIMARY, PG_DIAG_MESSAGE_DETAIL, PG_DIAG_MESSAGE_HINT, PG_DIAG_CONTEXT}) {
      const char* f = R().PQresultErrorField(res, code);
      std::string out;
      if (f != nullptr && m->MaskText(f, &out)) fields[code] = out;
    }
    OverrideError(res, masked, std::move(fields));
    text = masked;
  }
  if (st->program_receiver != nullptr) {
    st->program_receiver(st->program_receiver_arg, res);
  } else if (st->program_processor != nullptr) {
    st->program_processor(st->program_processor_arg, text.c_str());
  } else {
    std::fprintf(stderr, "%s", text.c_str());
  }
  if (changed) ForgetResult(res);
}

Status CheckRuleTables(ConnState* st, const mask::Masker& m) {
  std::vector<std::string> names;
  for (const auto& rule : m.options().rules) {
    if (!rule.table.empty() && rule.table.find_first_of("*?[") == std::string::npos) {
      names.push_back(rule.table);
    }
  }
  if (names.empty()) return Status::OK();
  std::vector<mask::CatalogTable> tables;
  for (const std::string& name : names) {
    const char* params[] = {name.c_str()};
    PGresult* res =
        R().PQexecParams(st->conn,
                         "SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = "
                         "pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
                         1, nullptr, params, nullptr, nullptr, 0);
    if (R().PQresultStatus(res) != PGRES_TUPLES_OK) {
      R().PQclear(res);
      return Status::Mask("cannot check mask rules against the catalog: " + ConnError(st->conn));
    }
    mask::CatalogTable table{name, {}};
    for (int row = 0; row < R().PQntuples(res); row++) {
      table.columns.push_back(R().PQgetvalue(res, row, 0));
    }
    R().PQclear(res);
    if (!table.columns.empty()) tables.push_back(std::move(table));
  }
  return m.CheckCatalog(tables);
}

}  // namespace

Status GetMasker(const mask::Masker** out) {
  // A function-local static: once made, one load per call. This runs several
  // times per statement, and std::call_once sets thread-locals on every call.
  static const MaskerSetup setup = [] {
    MaskerSetup s;
    const Config& config = GetConfig(&s.status);
    if (s.status.ok() && config.mask.enabled()) {
      s.status = mask::Masker::Create(config.mask, &s.masker);
    }
    return s;
  }();
  *out = setup.masker.get();
  return setup.status;
}

Status StartMasking(ConnState* st) {
  const mask::Masker* m = nullptr;
  PQWARD_RETURN_IF_ERROR(GetMasker(&m));
  if (m == nullptr) return Status::OK();
  PQWARD_RETURN_IF_ERROR(CheckRuleTables(st, *m));
  st->masking_notices = true;
  R().PQsetNoticeReceiver(st->conn, NoticeReceiver, st);
  return Status::OK();
}

namespace {

// A masked value of the stored value's length is written over it: no
// allocation, and the raw bytes do not stay behind in the result's memory.
// Any other is stored with PQsetvalue, which copies it into the result.
Status MaskStoredCell(const mask::Masker& m, const mask::ResultPlan& plan, PGresult* res, int row,
                      int col, std::string* out) {
  if (R().PQgetisnull(res, row, col)) return Status::OK();
  char* stored = R().PQgetvalue(res, row, col);
  std::string_view value(stored, R().PQgetlength(res, row, col));
  switch (m.MaskCell(plan, col, value, out)) {
    case mask::CellResult::kUnchanged:
      return Status::OK();
    case mask::CellResult::kReplaced:
      if (!value.empty() && out->size() == value.size()) {
        std::memcpy(stored, out->data(), out->size());
        return Status::OK();
      }
      if (R().PQsetvalue(res, row, col, out->data(), static_cast<int>(out->size()))) {
        return Status::OK();
      }
      break;
    case mask::CellResult::kNull:
      if (R().PQsetvalue(res, row, col, nullptr, -1)) return Status::OK();
      break;
  }
  return Status::Mask("out of memory while masking");
}

}  // namespace

Status MaskTuples(ConnState* st, MaskState* ms, PGresult* res) {
  const mask::Masker* m = nullptr;
  PQWARD_RETURN_IF_ERROR(GetMasker(&m));
  if (m == nullptr) return Status::OK();
  if (!ms->planned) PQWARD_RETURN_IF_ERROR(PlanResult(st, *m, res, ms));
  if (ms->plan.empty()) return Status::OK();
  int rows = R().PQntuples(res);
  const std::vector<int>& cols = ms->plan.masked_columns();
  std::string out;  // one buffer for every cell (Strategy::ApplyTo)
  for (int row = 0; row < rows; row++) {
    for (int col : cols) {
      PQWARD_RETURN_IF_ERROR(MaskStoredCell(*m, ms->plan, res, row, col, &out));
    }
  }
  return Status::OK();
}

void MaskError(ConnState* st, const PGresult* res) {
  const mask::Masker* m = nullptr;
  if (!GetMasker(&m).ok() || m == nullptr) return;
  std::string masked;
  if (!m->MaskText(R().PQresultErrorMessage(res), &masked)) return;
  std::unordered_map<int, std::string> fields;
  for (int code : {PG_DIAG_MESSAGE_PRIMARY, PG_DIAG_MESSAGE_DETAIL, PG_DIAG_MESSAGE_HINT,
                   PG_DIAG_CONTEXT, PG_DIAG_INTERNAL_QUERY, PG_DIAG_STATEMENT_POSITION}) {
    const char* f = R().PQresultErrorField(res, code);
    std::string out;
    if (f != nullptr && m->MaskText(f, &out)) fields[code] = out;
  }
  st->error_override = masked;
  OverrideError(res, std::move(masked), std::move(fields));
}

void MaskJournalText(std::string* text) {
  const mask::Masker* m = nullptr;
  std::string out;
  if (GetMasker(&m).ok() && m != nullptr && m->MaskText(*text, &out)) *text = std::move(out);
}

Status PlanCopyOut(ConnState* st, MaskState* ms, const std::string& sql, const PGresult* res) {
  const mask::Masker* m = nullptr;
  PQWARD_RETURN_IF_ERROR(GetMasker(&m));
  if (m == nullptr) return Status::OK();
  Status status = [&]() -> Status {
    CopyStmt stmt;
    PQWARD_RETURN_IF_ERROR(ParseCopyStmt(sql, &stmt));
    Columns c;
    if (!stmt.query.empty()) {
      if (!st->catalog) st->catalog = std::make_unique<Catalog>(st->conn);
      PQWARD_RETURN_IF_ERROR(st->catalog->Describe(stmt.query, &c.meta));
    } else if (m->NeedsCatalog()) {
      return Status::Mask("cannot tell which columns this COPY streams, so it cannot be masked");
    }
    PQWARD_RETURN_IF_ERROR(Describe(st, *m, &c));
    ms->plan = m->Plan(c.info);
    ms->planned = true;
    ms->masker = m;
    if (stmt.binary || R().PQbinaryTuples(res) == 1) {
      if (!m->AllowBinaryCopy(ms->plan)) {
        return Status::Mask("binary COPY of masked columns is refused ([mask] binary_copy)");
      }
      return Status::OK();
    }
    ms->copy = true;
    ms->copy_options = stmt.options;
    ms->copy_header = stmt.header;
    return Status::OK();
  }();
  if (!status.ok()) DrainCopy(st->conn);
  return status;
}

void MaskCopyRow(const MaskState& ms, char** buffer, int* len) {
  if (!ms.copy || ms.masker == nullptr) return;
  std::string out;
  std::string_view row(*buffer, static_cast<size_t>(*len));
  if (!ms.masker->MaskCopyRow(ms.plan, ms.copy_options, row, &out)) return;
  char* replaced = static_cast<char*>(std::malloc(out.size() + 1));
  if (replaced == nullptr) {  // never hand out the raw row
    std::memset(*buffer, '*', static_cast<size_t>(*len));
    return;
  }
  std::memcpy(replaced, out.data(), out.size());
  replaced[out.size()] = '\0';
  R().PQfreemem(*buffer);
  *buffer = replaced;
  *len = static_cast<int>(out.size());
}

Status CheckOldCopyApi() {
  const mask::Masker* m = nullptr;
  PQWARD_RETURN_IF_ERROR(GetMasker(&m));
  if (m == nullptr) return Status::OK();
  return Status::Mask("PQgetline/PQgetlineAsync cannot be masked; use PQgetCopyData");
}

Status CheckLargeObjects() {
  const mask::Masker* m = nullptr;
  PQWARD_RETURN_IF_ERROR(GetMasker(&m));
  if (m == nullptr || m->AllowLargeObjects()) return Status::OK();
  return Status::Mask("large objects and PQfn cannot be masked ([mask] large_objects = \"deny\")");
}

PGnotify* MaskNotify(PGnotify* n) {
  const mask::Masker* m = nullptr;
  std::string payload;
  if (n == nullptr || !GetMasker(&m).ok() || m == nullptr || n->extra == nullptr ||
      !m->MaskText(n->extra, &payload)) {
    return n;
  }
  size_t relname_len = std::strlen(n->relname) + 1;
  auto* copy =
      static_cast<PGnotify*>(std::malloc(sizeof(PGnotify) + relname_len + payload.size() + 1));
  if (copy == nullptr) {
    std::memset(n->extra, '*', std::strlen(n->extra));
    return n;
  }
  char* strings = reinterpret_cast<char*>(copy + 1);
  std::memcpy(strings, n->relname, relname_len);
  std::memcpy(strings + relname_len, payload.c_str(), payload.size() + 1);
  copy->relname = strings;
  copy->extra = strings + relname_len;
  copy->be_pid = n->be_pid;
  copy->next = nullptr;
  R().PQfreemem(n);
  return copy;
}

PQnoticeReceiver SetProgramReceiver(ConnState* st, PQnoticeReceiver proc, void* arg) {
  PQnoticeReceiver old = st->program_receiver;
  st->program_receiver = proc;
  st->program_receiver_arg = arg;
  return old;
}

PQnoticeProcessor SetProgramProcessor(ConnState* st, PQnoticeProcessor proc, void* arg) {
  PQnoticeProcessor old = st->program_processor;
  st->program_processor = proc;
  st->program_processor_arg = arg;
  return old;
}

void NoteCommandTag(ConnState* st, const char* tag) {
  if (tag == nullptr) return;
  std::string_view t(tag);
  if (t.starts_with("CREATE") || t.starts_with("ALTER") || t.starts_with("DROP")) {
    st->last_plan.valid = false;
    if (st->catalog) st->catalog->Invalidate();
  }
}

}  // namespace pqward::interpose
