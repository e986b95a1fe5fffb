// Capturing values and outcomes for the journal; see capture.h.
#include "interpose/capture.h"

#include <algorithm>
#include <cstdlib>

#include "interpose/real.h"
#include "util/text.h"

namespace pqward::interpose {

std::string HexValue(const char* data, int len) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + 2 * static_cast<size_t>(len));
  for (int i = 0; i < len; i++) {
    unsigned char c = static_cast<unsigned char>(data[i]);
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

void CaptureParams(int n, const char* const* values, const int* lengths, const int* formats,
                   std::vector<journal::Value>* spare,
                   std::optional<std::vector<journal::Value>>* out) {
  std::vector<journal::Value>& params = out->emplace(std::move(*spare));
  params.clear();
  params.reserve(n > 0 ? n : 0);
  for (int i = 0; i < n; i++) {
    if (values == nullptr || values[i] == nullptr) {
      params.emplace_back(std::nullopt);
    } else if (formats != nullptr && formats[i] == 1 && lengths != nullptr) {
      params.emplace_back(HexValue(values[i], lengths[i]));
    } else {
      SetText(&params.emplace_back().emplace(), values[i]);
    }
  }
}

void CaptureColumns(const PGresult* res, std::vector<journal::Column>* out) {
  const pqw_api& r = Real();
  int n = r.PQnfields(res);
  out->clear();
  out->reserve(n);
  for (int i = 0; i < n; i++) {
    const char* name = r.PQfname(res, i);  // NULL for COPY results
    out->push_back({name != nullptr ? name : "", static_cast<uint32_t>(r.PQftype(res, i)),
                    static_cast<uint32_t>(r.PQftable(res, i)), r.PQftablecol(res, i)});
  }
}

void CaptureRows(const PGresult* res, int limit, std::vector<journal::Row>* out,
                 std::vector<journal::Row>* spare) {
  const pqw_api& r = Real();
  int rows = r.PQntuples(res);
  int cols = r.PQnfields(res);
  for (int row = 0; row < rows && static_cast<int>(out->size()) < limit; row++) {
    journal::Row values;
    if (!spare->empty()) {
      values = std::move(spare->back());
      spare->pop_back();
    }
    values.reserve(cols);
    for (int col = 0; col < cols; col++) {
      if (r.PQgetisnull(res, row, col)) {
        values.emplace_back(std::nullopt);
      } else if (r.PQfformat(res, col) == 1) {
        values.emplace_back(HexValue(r.PQgetvalue(res, row, col), r.PQgetlength(res, row, col)));
      } else {
        values.emplace_back(std::string(r.PQgetvalue(res, row, col), r.PQgetlength(res, row, col)));
      }
    }
    out->push_back(std::move(values));
  }
}

ResultRows::ResultRows(const PGresult* res, int limit)
    : res_(res), cols_(Real().PQnfields(res)), rows_(std::min(Real().PQntuples(res), limit)) {}

bool ResultRows::Fits() const {
  for (int col = 0; col < cols_; col++) {
    if (Real().PQfformat(res_, col) != 0) return false;
  }
  return true;
}

journal::BasicColumn<std::string_view> ResultRows::column(int i) const {
  const pqw_api& r = Real();
  const char* name = r.PQfname(res_, i);
  return {name != nullptr ? name : "", static_cast<uint32_t>(r.PQftype(res_, i)),
          static_cast<uint32_t>(r.PQftable(res_, i)), r.PQftablecol(res_, i)};
}

journal::BasicValue<std::string_view> ResultRows::value(int row, int col) const {
  const pqw_api& r = Real();
  if (r.PQgetisnull(res_, row, col)) return std::nullopt;
  return std::string_view(r.PQgetvalue(res_, row, col), r.PQgetlength(res_, row, col));
}

void CaptureOutcome(const PGresult* res, journal::Event* ev) {
  const pqw_api& r = Real();
  ExecStatusType status = r.PQresultStatus(res);
  SetText(&ev->status, r.PQresStatus(status));
  SetText(&ev->command_tag, r.PQcmdStatus(const_cast<PGresult*>(res)));
  if (status == PGRES_TUPLES_OK || status == PGRES_SINGLE_TUPLE) {
    ev->rows = ev->rows.value_or(0) + r.PQntuples(res);
  } else {
    const char* affected = r.PQcmdTuples(const_cast<PGresult*>(res));
    if (affected != nullptr && *affected != '\0') ev->rows = std::atoll(affected);
  }
  if (status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR ||
      status == PGRES_BAD_RESPONSE) {
    const char* state = r.PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char* primary = r.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    std::string message = primary != nullptr ? primary : r.PQresultErrorMessage(res);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    ev->error = journal::Error{state != nullptr ? state : "", message};
    if (state != nullptr && std::string_view(state) == "57014") ev->status = "CANCELLED";
  }
}

std::string ConnError(const PGconn* conn) {
  const char* m = Real().PQerrorMessage(conn);
  std::string message = m != nullptr ? m : "";
  while (!message.empty() && message.back() == '\n') message.pop_back();
  return message;
}

}  // namespace pqward::interpose
