// Catalog: the names masking rules are written in ("schema.table", column),
// looked up from the table OIDs libpq gives (PQftable/PQftablecol), and the
// columns of a COPY's query. Lookups run on a side connection opened with
// the program connection's own parameters, because the program's connection
// may be busy mid-result (async, pipeline, COPY). Results are cached per
// connection and dropped after DDL (a CREATE/ALTER/DROP command tag).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include <libpq-fe.h>

#include "journal/event.h"
#include "util/status.h"

namespace pqward::interpose {

class Catalog {
 public:
  explicit Catalog(PGconn* program_conn) : program_conn_(program_conn) {}
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // "schema.table" and the attname of column `col` of table `oid`.
  Status Resolve(Oid oid, int col, std::string* table, std::string* column);

  // The result columns of `query` (names, types, source table and column),
  // by preparing and describing it; nothing is executed.
  Status Describe(const std::string& query, std::vector<journal::Column>* out);

  // After DDL: names may have changed.
  void Invalidate() { tables_.clear(); }

 private:
  struct Table {
    std::string name;                              // "schema.table"
    std::unordered_map<int, std::string> columns;  // attnum -> attname
  };
  Status Connect();
  Status Load(Oid oid, Table* out);

  PGconn* program_conn_;    // not owned
  PGconn* side_ = nullptr;  // owned; opened on first lookup
  std::unordered_map<Oid, Table> tables_;
};

}  // namespace pqward::interpose
