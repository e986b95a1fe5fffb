// Catalog lookups on a side connection; see catalog.h.
#include "interpose/catalog.h"

#include <memory>

#include "interpose/capture.h"
#include "interpose/real.h"
#include "mask/masker.h"

namespace pqward::interpose {

namespace {

const pqw_api& R() {
  return Real();
}

struct ResultDeleter {
  void operator()(PGresult* r) const { R().PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

}  // namespace

Catalog::~Catalog() {
  if (side_ != nullptr) R().PQfinish(side_);
}

Status Catalog::Connect() {
  if (side_ != nullptr && R().PQstatus(side_) == CONNECTION_OK) return Status::OK();
  if (side_ != nullptr) R().PQfinish(side_);
  side_ = nullptr;
  PQconninfoOption* options = R().PQconninfo(program_conn_);
  if (options == nullptr) return Status::Mask("catalog lookup: cannot read connection parameters");
  std::vector<const char*> keywords, values;
  for (PQconninfoOption* o = options; o->keyword != nullptr; o++) {
    if (o->val == nullptr || std::string_view(o->keyword) == "replication") continue;
    keywords.push_back(o->keyword);
    values.push_back(std::string_view(o->keyword) == "application_name" ? "pqward catalog"
                                                                        : o->val);
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  side_ = R().PQconnectdbParams(keywords.data(), values.data(), 0);
  R().PQconninfoFree(options);
  if (side_ != nullptr && R().PQstatus(side_) == CONNECTION_OK) return Status::OK();
  std::string why = side_ != nullptr ? ConnError(side_) : "out of memory";
  return Status::Mask("catalog lookup connection failed: " + why);
}

Status Catalog::Load(Oid oid, Table* out) {
  PQWARD_RETURN_IF_ERROR(Connect());
  std::string oid_text = std::to_string(oid);
  const char* params[] = {oid_text.c_str()};
  Result res(R().PQexecParams(side_, mask::Masker::kTableColumnsQuery, 1, nullptr, params, nullptr,
                              nullptr, 0));
  if (R().PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
    return Status::Mask("catalog lookup failed: " + ConnError(side_));
  }
  for (int row = 0; row < R().PQntuples(res.get()); row++) {
    out->name = R().PQgetvalue(res.get(), row, 0);
    out->columns[std::atoi(R().PQgetvalue(res.get(), row, 1))] = R().PQgetvalue(res.get(), row, 2);
  }
  return Status::OK();
}

Status Catalog::Resolve(Oid oid, int col, std::string* table, std::string* column) {
  auto it = tables_.find(oid);
  if (it == tables_.end()) {
    Table loaded;
    PQWARD_RETURN_IF_ERROR(Load(oid, &loaded));
    it = tables_.emplace(oid, std::move(loaded)).first;
  }
  *table = it->second.name;
  auto c = it->second.columns.find(col);
  *column = c != it->second.columns.end() ? c->second : "";
  return Status::OK();
}

Status Catalog::Describe(const std::string& query, std::vector<journal::Column>* out) {
  PQWARD_RETURN_IF_ERROR(Connect());
  Result prepared(R().PQprepare(side_, "", query.c_str(), 0, nullptr));
  if (R().PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
    return Status::Mask("cannot describe COPY query: " + ConnError(side_));
  }
  Result described(R().PQdescribePrepared(side_, ""));
  if (R().PQresultStatus(described.get()) != PGRES_COMMAND_OK) {
    return Status::Mask("cannot describe COPY query: " + ConnError(side_));
  }
  CaptureColumns(described.get(), out);
  return Status::OK();
}

}  // namespace pqward::interpose
