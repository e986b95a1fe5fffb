// The statement queue and its journaling; see record.h for the model.
#include "interpose/record.h"

#include <optional>

#include "interpose/capture.h"
#include "interpose/masking.h"
#include "interpose/real.h"
#include "interpose/refusal.h"
#include "interpose/runtime.h"
#include "util/clock.h"
#include "util/text.h"

namespace pqward::interpose {

namespace {

Submission* Head(ConnState* st) {
  if (st->queue.empty() || st->queue.front().sync_marker) return nullptr;
  return &st->queue.front();
}

// The head statement, its last journaled result cleared: for what reads or
// adds to its current result.
Submission* Current(ConnState* st) {
  Submission* sub = Head(st);
  if (sub != nullptr) sub->ClearJournaledResult();
  return sub;
}

// Journals the statement's current result and resets it for a next one.
// The event is journaled in place (no copy of its SQL and values); only
// `extra` is saved when this result adds keys to it. With `result`, its
// columns and values are journaled from there.
Status Finish(ConnState* st, Submission* sub, const journal::ResultSource* result = nullptr) {
  journal::Event& ev = sub->event;
  int64_t now = NowMonoUs();
  ev.duration_us = now - sub->t0_mono_us;
  std::optional<nlohmann::json> send_extra;
  if (sub->terminals > 0 || !sub->copy_direction.empty()) send_extra = ev.extra;
  if (sub->terminals > 0) ev.extra["part"] = sub->terminals;
  if (!sub->copy_direction.empty()) {
    ev.extra["copy"] = {
        {"direction", sub->copy_direction}, {"bytes", sub->copy_bytes}, {"rows", sub->copy_rows}};
  }
  Status status = AppendEvent(st, &ev, result);
  if (send_extra) ev.extra = std::move(*send_extra);
  ev.started_at_us += ev.duration_us;  // a next result starts now
  // Cleared when a next result comes, or when the slot is reused, which is
  // off the round trip for a send (SubmissionQueue).
  sub->result_journaled = true;
  sub->in_progress = false;
  sub->t0_mono_us = now;
  sub->terminals++;
  return status;
}

void FinishAbandoned(ConnState* st, Submission* sub) {
  if (sub->sync_marker || (sub->terminals > 0 && !sub->in_progress)) return;
  sub->ClearJournaledResult();
  sub->event.status = "ABANDONED";
  (void)Finish(st, sub);
}

void Accumulate(ConnState* st, Submission* sub, const PGresult* res) {
  if (!sub->in_progress) CaptureColumns(res, &sub->event.columns);
  CaptureRows(res, st->capture_rows, &sub->event.values, &sub->spare_rows);
  sub->in_progress = true;
}

// A NULL result ends the head statement's results.
void OnNull(ConnState* st) {
  Submission* sub = Head(st);
  if (sub == nullptr) return;
  if (sub->terminals == 0 || sub->in_progress) FinishAbandoned(st, sub);
  st->queue.pop_front();
}

// A sync result ends everything queued up to and including its sync point.
void OnSyncResult(ConnState* st) {
  while (!st->queue.empty()) {
    bool marker = st->queue.front().sync_marker;
    FinishAbandoned(st, &st->queue.front());
    st->queue.pop_front();
    if (marker) break;
  }
}

void CaptureCopyLine(ConnState* st, Submission* sub, std::string_view line) {
  sub->copy_rows++;
  if (static_cast<int>(sub->event.values.size()) >= st->capture_rows) return;
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  sub->event.values.push_back({std::string(line)});
}

}  // namespace

void SetStatement(Submission* sub, const char* kind, const char* api, const char* sql) {
  SetText(&sub->event.kind, kind);
  SetText(&sub->event.api, api);
  if (sql != nullptr) SetText(&sub->event.sql, sql);
}

Status BeforeBegin(ConnState* st) {
  if (!st->refused.ok()) return st->refused;
  if (!st->pipeline) AbandonAll(st);
  return Status::OK();
}

SendStart StartClock(ConnState* st) {
  st->error_override.clear();
  return {NowWallUs(), NowMonoUs()};
}

Status BeginSend(ConnState* st, Submission** sub, SendStart* start) {
  PQWARD_RETURN_IF_ERROR(BeforeBegin(st));
  *sub = &st->queue.push_back_unreset();
  *start = StartClock(st);
  return Status::OK();
}

void SendFailed(ConnState* st) {
  if (st->queue.empty()) return;
  Submission& sub = st->queue.back();
  sub.event.status = "PGRES_FATAL_ERROR";
  sub.event.error = journal::Error{"", ConnError(st->conn)};
  (void)Finish(st, &sub);
  st->queue.pop_back();
}

// Withholds `res`: the program gets an error result naming `why` instead,
// and the statement is journaled as DENIED.
PGresult* Withhold(ConnState* st, Submission* sub, PGresult* res, const Status& why) {
  Real().PQclear(res);
  sub->event.status = "DENIED";
  sub->event.error = journal::Error{"", why.message()};
  Status journaled = Finish(st, sub);
  return MakeErrorResult(st, journaled.ok() ? why : journaled);
}

PGresult* OnResult(ConnState* st, PGresult* res) {
  if (res == nullptr) {
    OnNull(st);
    return res;
  }
  ExecStatusType status = Real().PQresultStatus(res);
  if (status == PGRES_PIPELINE_SYNC) {
    OnSyncResult(st);
    return res;
  }
  Submission* sub = Current(st);
  if (sub == nullptr) return res;  // nothing of ours is waiting for it
  switch (status) {
    case PGRES_SINGLE_TUPLE: {
      Status masked = MaskTuples(st, &sub->mask, res);
      if (!masked.ok()) return Withhold(st, sub, res, masked);
      Accumulate(st, sub, res);
      sub->event.rows = sub->event.rows.value_or(0) + Real().PQntuples(res);
      return res;
    }
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH: {
      Status planned = PlanCopyOut(st, &sub->mask, sub->event.sql, res);
      if (!planned.ok()) return Withhold(st, sub, res, planned);
      CaptureColumns(res, &sub->event.columns);
      sub->copy_direction = "out";
      sub->in_progress = true;
      return res;
    }
    case PGRES_COPY_IN:
      CaptureColumns(res, &sub->event.columns);
      sub->copy_direction = "in";
      sub->in_progress = true;
      return res;
    case PGRES_TUPLES_OK: {
      Status masked = MaskTuples(st, &sub->mask, res);
      if (!masked.ok()) return Withhold(st, sub, res, masked);
      break;
    }
    case PGRES_FATAL_ERROR:
    case PGRES_NONFATAL_ERROR:
      MaskError(st, res);
      break;
    default:
      break;
  }
  // With nothing accumulated before it, the result is journaled straight
  // from itself: its values are copied once, into the spool record.
  ResultRows rows(res, st->capture_rows);
  bool direct = !sub->in_progress && rows.Fits();
  if (!direct) Accumulate(st, sub, res);
  CaptureOutcome(res, &sub->event);
  if (sub->event.error) MaskJournalText(&sub->event.error->message);
  if (status == PGRES_COMMAND_OK) {
    NoteCommandTag(st, Real().PQcmdStatus(res));
    if (sub->event.kind == "prepare") st->prepared[sub->event.statement_name] = sub->event.sql;
  }
  Status journaled = Finish(st, sub, direct ? &rows : nullptr);
  if (journaled.ok()) return res;
  Real().PQclear(res);
  return MakeErrorResult(st, journaled);
}

void EndSync(ConnState* st, const PGresult* res) {
  if (res != nullptr) {
    ExecStatusType s = Real().PQresultStatus(res);
    if (s == PGRES_COPY_OUT || s == PGRES_COPY_IN || s == PGRES_COPY_BOTH) return;
  }
  Submission* sub = Head(st);
  if (sub == nullptr) return;
  if (res == nullptr && sub->terminals == 0) {
    sub->event.status = "PGRES_FATAL_ERROR";
    sub->event.error = journal::Error{"", ConnError(st->conn)};
    (void)Finish(st, sub);
  }
  st->queue.pop_front();
}

void MaskCopyOut(ConnState* st, char** buffer, int* len) {
  Submission* sub = Current(st);
  if (sub == nullptr || !sub->mask.copy) return;
  if (sub->mask.copy_header) {
    sub->mask.copy_header = false;
    return;
  }
  MaskCopyRow(sub->mask, buffer, len);
}

void OnCopyData(ConnState* st, const char* buf, int len, bool out) {
  Submission* sub = Current(st);
  if (sub == nullptr || sub->copy_direction.empty() || len <= 0) return;
  sub->copy_bytes += len;
  std::string_view data(buf, static_cast<size_t>(len));
  if (out) {  // COPY OUT hands over one row per buffer
    CaptureCopyLine(st, sub, data);
    return;
  }
  while (!data.empty()) {  // COPY IN buffers hold any number of (partial) lines
    size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      sub->copy_partial.append(data);
      return;
    }
    sub->copy_partial.append(data.substr(0, nl));
    CaptureCopyLine(st, sub, sub->copy_partial);
    sub->copy_partial.clear();
    data.remove_prefix(nl + 1);
  }
}

void OnPipelineSync(ConnState* st) {
  st->queue.push_back().sync_marker = true;
}

void AbandonAll(ConnState* st) {
  while (!st->queue.empty()) {
    FinishAbandoned(st, &st->queue.front());
    st->queue.pop_front();
  }
}

Status AppendEvent(ConnState* st, journal::Event* ev, const journal::ResultSource* result) {
  if (st->recorder == nullptr) return Status::OK();  // on_failure = "allow"
  Status status = st->recorder->Append(&st->chain, ev, result);
  if (status.ok()) return status;
  if (st->fail_open) {
    WarnOnce(status.message() + " (on_failure = \"allow\": continuing unrecorded)");
    return Status::OK();
  }
  RefuseConn(st, status);
  return status;
}

}  // namespace pqward::interpose
