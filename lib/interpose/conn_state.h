// ConnState: what pqward knows about one PGconn: its journal session and hash
// chain, the statements sent and not yet answered (a queue, since pipeline
// mode may have many), prepared statement texts, and a refusal message when
// pqward denied the connection. A registry maps PGconn* to its state; the
// state itself is used by one thread at a time, as libpq requires of a PGconn.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "identity/identity.h"
#include "interpose/catalog.h"
#include "journal/event.h"
#include "journal/recorder.h"
#include "mask/masker.h"
#include "util/status.h"

namespace pqward::interpose {

// Masking decisions for the statement's current result or COPY.
struct MaskState {
  bool planned = false;  // `plan` is set (single-row results reuse it)
  mask::ResultPlan plan;
  bool copy = false;  // COPY OUT rows are masked with `copy_options`
  mask::CopyOptions copy_options;
  bool copy_header = false;  // the next COPY row is a header: leave it
  const mask::Masker* masker = nullptr;
};

// One statement sent and not yet fully answered (or a pipeline sync point).
struct Submission {
  bool sync_marker = false;  // PQpipelineSync point, not a statement
  journal::Event event;      // kind, api, sql, params, statement_name filled at send
  int64_t t0_mono_us = 0;    // monotonic start of the current result
  int terminals = 0;         // terminal results recorded so far
  bool in_progress = false;  // rows or COPY data accumulated, not yet recorded
  // Cleared lazily (see SubmissionQueue): the result fields still hold the
  // last journaled result, or the whole slot a statement already popped.
  bool result_journaled = false;
  bool popped = false;
  std::string copy_direction;  // "in" / "out" while in COPY
  int64_t copy_bytes = 0;
  int64_t copy_rows = 0;
  std::string copy_partial;  // COPY IN: bytes of an unfinished line
  MaskState mask;            // masking plan of the current result or COPY
  // The memory of earlier parameters and rows (their vectors, emptied), for
  // capture to reuse: a one-row SELECT then allocates nothing to capture.
  std::vector<journal::Value> spare_params;
  std::vector<journal::Row> spare_rows;

  // Back to no result seen yet, for the statement's next result.
  void ClearResult();
  // ClearResult, if the last result was journaled and not yet cleared.
  void ClearJournaledResult() {
    if (result_journaled) ClearResult();
  }
  // Back to a fresh Submission, keeping the memory of small strings.
  void Reset();
  // Reset, if the slot still holds a popped statement.
  void ResetPopped() {
    if (popped) Reset();
  }
};

// The statements a connection has sent and not seen the end of, oldest
// first. Each lives in a slot of its own that is reset and reused once it is
// finished, so after warm-up queueing a statement allocates next to nothing
// (its strings keep their memory), and a Submission& stays valid until that
// submission is popped. A popped slot is reset when it is next used, not
// when popped: an asynchronous send resets it after the statement went out
// (push_back_unreset), while the server works, off the statement's round
// trip (docs/performance.md, "The OLTP gap").
class SubmissionQueue {
 public:
  SubmissionQueue() = default;
  SubmissionQueue(const SubmissionQueue&) = delete;
  SubmissionQueue& operator=(const SubmissionQueue&) = delete;

  bool empty() const { return head_ == size_; }
  Submission& front() { return *slots_[head_]; }
  Submission& back() { return *slots_[size_ - 1]; }

  // A fresh Submission, queued last.
  Submission& push_back() {
    Submission& sub = push_back_unreset();
    sub.ResetPopped();
    return sub;
  }
  // A Submission queued last that may still hold a popped statement: the
  // caller calls ResetPopped() before it reads or fills it.
  Submission& push_back_unreset() {
    if (size_ == slots_.size()) slots_.push_back(std::make_unique<Submission>());
    return *slots_[size_++];
  }
  void pop_front() {
    slots_[head_++]->popped = true;
    Compact();
  }
  void pop_back() {
    slots_[--size_]->popped = true;
    Compact();
  }

 private:
  void Compact() {
    if (head_ == size_) {
      head_ = size_ = 0;
    } else if (head_ >= 64 && head_ * 2 >= size_) {  // a long-running pipeline
      std::rotate(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(head_),
                  slots_.begin() + static_cast<std::ptrdiff_t>(size_));
      size_ -= head_;
      head_ = 0;
    }
  }

  std::vector<std::unique_ptr<Submission>> slots_;  // [head_, size_) are queued
  size_t head_ = 0;
  size_t size_ = 0;
};

struct ConnState {
  PGconn* conn = nullptr;
  journal::Recorder* recorder = nullptr;  // null: not recorded (fail-open)
  journal::Chain chain;
  bool session_open = false;  // session_start recorded
  std::string connect_api;    // entry point the program used
  int capture_rows = 100;
  bool fail_open = false;
  bool pipeline = false;
  SubmissionQueue queue;
  // name -> SQL text; looked up by the caller's name without a copy of it.
  std::map<std::string, std::string, std::less<>> prepared;
  Status refused;              // not OK: pqward refused this connection
  std::string error_override;  // PQerrorMessage text after a pqward refusal
  // Identity (broker_hook.h); the password itself is never kept here.
  bool brokered = false;          // credentials came from the broker
  identity::Target target;        // what the program asked for, for PQreset
  std::string brokered_user;      // the injected user
  nlohmann::json actor;           // OIDC actor, or null for PQWARD_ACTOR / OS user
  bool password_ignored = false;  // the program's own password was replaced
  // Masking (masking.h).
  std::unique_ptr<Catalog> catalog;             // table names, on a side connection
  PQnoticeReceiver program_receiver = nullptr;  // the program's, while we mask notices
  void* program_receiver_arg = nullptr;
  PQnoticeProcessor program_processor = nullptr;
  void* program_processor_arg = nullptr;
  bool masking_notices = false;
  // The columns of the last planned tuple result, and their plan: a result
  // with the same columns gets the same plan, until DDL drops it with the
  // catalog's names. Every result's columns are compared; only the plan,
  // which depends on nothing else, is reused.
  struct LastPlan {
    bool valid = false;
    std::vector<journal::Column> columns;
    std::vector<int> formats;
    mask::ResultPlan plan;
  } last_plan;
};

// Registry. Attach creates (or returns) the state; Detach destroys it.
ConnState* FindState(const PGconn* conn);
ConnState* AttachState(PGconn* conn);
void DetachState(const PGconn* conn);

}  // namespace pqward::interpose
