// Capture: turning what libpq hands the program (a PGresult, bound
// parameters, COPY data) into journal values. Reads through the real libpq
// table only. Binary values are kept as "\x<hex>", as bytea prints.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

#include "journal/event.h"

namespace pqward::interpose {

std::string HexValue(const char* data, int len);

// Bound parameters of PQexecParams and friends into *out; binary ones as
// hex. The list reuses the memory of *spare (an emptied earlier list).
void CaptureParams(int n, const char* const* values, const int* lengths, const int* formats,
                   std::vector<journal::Value>* spare,
                   std::optional<std::vector<journal::Value>>* out);

// Column metadata of a result (names are empty for COPY results).
void CaptureColumns(const PGresult* res, std::vector<journal::Column>* out);

// Appends rows of `res` to *out until it holds `limit` rows, reusing the
// memory of the emptied rows in *spare first.
void CaptureRows(const PGresult* res, int limit, std::vector<journal::Row>* out,
                 std::vector<journal::Row>* spare);

// The columns and first `limit` rows of a result, read from it only when
// its event is spooled (journal::ResultSource), so they are copied once. For
// results without binary columns (Fits), whose values are journaled as hex.
class ResultRows final : public journal::ResultSource {
 public:
  ResultRows(const PGresult* res, int limit);
  bool Fits() const;
  int columns() const override { return cols_; }
  journal::BasicColumn<std::string_view> column(int i) const override;
  int rows() const override { return rows_; }
  journal::BasicValue<std::string_view> value(int row, int col) const override;

 private:
  const PGresult* res_;
  int cols_;
  int rows_;
};

// Status, command tag, affected rows and error of a terminal result into *ev.
void CaptureOutcome(const PGresult* res, journal::Event* ev);

// The connection's current error text, for calls that failed without a result.
std::string ConnError(const PGconn* conn);

}  // namespace pqward::interpose
