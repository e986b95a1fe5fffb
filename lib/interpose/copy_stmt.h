// CopyStmt: what a COPY ... TO STDOUT statement says about the rows it will
// stream (format, delimiter, NULL string, header, and which columns), parsed
// with PostgreSQL's own parser (libpg_query). The wire protocol says only
// "text" or "binary": CSV and custom delimiters are known from the SQL alone.
#pragma once

#include <string>
#include <vector>

#include "mask/copy_line.h"
#include "util/status.h"

namespace pqward::interpose {

struct CopyStmt {
  bool to_stdout = false;     // COPY ... TO STDOUT (the only form that streams out)
  bool binary = false;        // FORMAT binary
  bool header = false;        // HEADER: the first row holds column names
  mask::CopyOptions options;  // text or CSV shape
  std::string query;          // the SELECT giving the rows: "(query)" text, or
                              // "SELECT <attlist or *> FROM <relation>"
};

// Parses `sql`; a statement that is not a single COPY gives to_stdout=false.
Status ParseCopyStmt(const std::string& sql, CopyStmt* out);

}  // namespace pqward::interpose
