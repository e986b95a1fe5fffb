// Recording: the life of a statement from send to last result. A statement
// is queued when sent (Begin), and each terminal result the program receives
// is journaled before the program gets it (OnResult), so an event is durable
// once its result was returned. One event per terminal result: a string of
// several statements sent with PQsendQuery gives one event per statement
// result (extra.part counts them). PQexec returns only its last result, so it
// gives one event. Rows of single-row mode and COPY data accumulate into the
// statement's event until its terminal result.
#pragma once

#include <cstdint>
#include <string>

#include <libpq-fe.h>

#include "interpose/conn_state.h"
#include "util/status.h"

namespace pqward::interpose {

// Sets what every statement has (kind and api as in journal/event.h) on a
// fresh Submission.
void SetStatement(Submission* sub, const char* kind, const char* api, const char* sql);

// When a statement was sent, by both clocks.
struct SendStart {
  int64_t wall_us = 0;
  int64_t mono_us = 0;
};

// Begin's parts: the checks before queueing, and the clocks read as the
// statement is sent (which also forgets the last refusal's text).
Status BeforeBegin(ConnState* st);
SendStart StartClock(ConnState* st);
inline void SetStart(Submission* sub, const SendStart& start) {
  sub->event.started_at_us = start.wall_us;
  sub->t0_mono_us = start.mono_us;
}

// Begin for an asynchronous send, in two halves around the send itself:
// BeginSend queues a slot and reads the clock; after the send, FillSent
// resets the slot (a popped statement's) and fills it, while the server
// works on the statement, off its round trip.
Status BeginSend(ConnState* st, Submission** sub, SendStart* start);
template <typename Fill>
void FillSent(Submission* sub, const SendStart& start, Fill&& fill) {
  sub->ResetPopped();
  SetStart(sub, start);
  fill(sub);
}

// Queues a statement, filled in its slot by fill(Submission*), unless the
// connection is refused or its journal is broken (then the returned error
// says why and nothing may be sent). Outside pipeline mode any earlier
// statement still queued is journaled as ABANDONED first.
template <typename Fill>
Status Begin(ConnState* st, Fill&& fill) {
  PQWARD_RETURN_IF_ERROR(BeforeBegin(st));
  Submission& sub = st->queue.push_back();
  fill(&sub);
  SetStart(&sub, StartClock(st));
  return Status::OK();
}

// The send call after Begin failed in libpq: journals the attempt with the
// connection's error and unqueues it.
void SendFailed(ConnState* st);

// A result (or NULL) about to be returned to the program. Returns what to
// return instead: the same result, or an error result when the event could not
// be journaled and on_failure is "deny".
PGresult* OnResult(ConnState* st, PGresult* res);

// A synchronous call (PQexec, PQprepare, PQfn...) returned `res`: unqueue its
// statement unless a COPY goes on.
void EndSync(ConnState* st, const PGresult* res);

// A COPY OUT row about to be returned: masked (the buffer may be replaced).
void MaskCopyOut(ConnState* st, char** buffer, int* len);

// COPY data the program received (out) or sent (in).
void OnCopyData(ConnState* st, const char* buf, int len, bool out);

// PQpipelineSync succeeded: a sync point joins the queue.
void OnPipelineSync(ConnState* st);

// Journals every queued statement as ABANDONED (next statement, PQfinish).
void AbandonAll(ConnState* st);

// Journals a self-contained event (session, fast-path, large object). Fills
// session/seq/hash. Errors only when the event could not be journaled and
// on_failure is "deny". With `result`, the event's columns and values are
// read from there.
Status AppendEvent(ConnState* st, journal::Event* ev,
                   const journal::ResultSource* result = nullptr);

}  // namespace pqward::interpose
