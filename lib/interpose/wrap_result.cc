// Result accessors that a refusal overrides (error message and fields), and
// PQclear, which forgets refusal results.
#include <cstdlib>
#include <cstring>

#include "interpose/wrap.h"

namespace pqward::interpose {

namespace {

const pqw_api& R() {
  return Real();
}

void W_PQclear(PGresult* res) {
  ForgetResult(res);
  R().PQclear(res);
}

char* W_PQresultErrorMessage(const PGresult* res) {
  if (const char* m = RefusalMessage(res)) return const_cast<char*>(m);
  return R().PQresultErrorMessage(res);
}

// The caller frees this one with PQfreemem (free), so a refusal is copied.
char* W_PQresultVerboseErrorMessage(const PGresult* res, PGVerbosity verbosity,
                                    PGContextVisibility show_context) {
  if (const char* m = RefusalMessage(res)) return strdup(m);
  return R().PQresultVerboseErrorMessage(res, verbosity, show_context);
}

char* W_PQresultErrorField(const PGresult* res, int fieldcode) {
  if (const char* f = RefusalField(res, fieldcode)) return const_cast<char*>(f);
  return R().PQresultErrorField(res, fieldcode);
}

}  // namespace

void InstallResultWrappers(pqw_api* api) {
  api->PQclear = W_PQclear;
  api->PQresultErrorMessage = W_PQresultErrorMessage;
  api->PQresultVerboseErrorMessage = W_PQresultVerboseErrorMessage;
  api->PQresultErrorField = W_PQresultErrorField;
}

}  // namespace pqward::interpose
