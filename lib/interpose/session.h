// Sessions: attaching pqward's state to a new connection, journaling its
// start (who, from which process, to which server) and its end, and failed
// connection attempts. The actor is PQWARD_ACTOR, else the OS user; with
// identity configured it is the OIDC subject.
#pragma once

#include <libpq-fe.h>

#include "interpose/conn_state.h"
#include "util/status.h"

namespace pqward::interpose {

// Before connecting: checks config and journal. On error the program must get
// MakeRefusedConn(status) and no connection is attempted; with on_failure =
// "allow" the error is only warned about and *recorder is null.
Status PrepareConnect(journal::Recorder** recorder);

// After libpq created `conn`: attaches pqward's state to it.
ConnState* AttachNew(PGconn* conn, journal::Recorder* recorder, const char* api);

// The connection reached CONNECTION_OK: journals session_start. On error
// (journal unwritable) the connection is refused.
Status OpenSession(ConnState* st);

// The connection attempt failed: journals a connect_failed event.
void RecordConnectFailed(ConnState* st);

// PQfinish: abandons pending statements and journals session_end.
void CloseSession(ConnState* st);

}  // namespace pqward::interpose
