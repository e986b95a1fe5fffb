// Refusals: how pqward says no in libpq's own terms. A refused connection is
// a real PGconn in CONNECTION_BAD whose PQerrorMessage is pqward's message; a
// refused statement is a real PGRES_FATAL_ERROR result whose error message
// and fields are pqward's. The program handles both as it handles any libpq
// error; nothing reaches the server.
#pragma once

#include <string>
#include <unordered_map>

#include <libpq-fe.h>

#include "interpose/conn_state.h"
#include "util/status.h"

namespace pqward::interpose {

// "pqward: <status message>\n": the libpq-style text of a refusal.
std::string RefusalText(const Status& status);

// A connection in CONNECTION_BAD carrying `status`; never connects.
PGconn* MakeRefusedConn(const Status& status, const char* api);

// Marks an existing connection refused (its status reads CONNECTION_BAD).
void RefuseConn(ConnState* st, const Status& status);

// A PGRES_FATAL_ERROR result carrying `status`, also set as the connection's
// error message. SQLSTATE 58030 (io_error) for journal failures, else 42501.
PGresult* MakeErrorResult(ConnState* st, const Status& status);

// Replaces the error text and the given fields of a result (masked errors
// and notices). Fields not given read through to libpq.
void OverrideError(const PGresult* res, std::string message,
                   std::unordered_map<int, std::string> fields);

// Error text and fields of a result made by MakeErrorResult or given to
// OverrideError, or NULL.
const char* RefusalMessage(const PGresult* res);
const char* RefusalField(const PGresult* res, int fieldcode);

// Called from PQclear.
void ForgetResult(const PGresult* res);

}  // namespace pqward::interpose
