// Recorder: the process-wide writer of one journal. Append() makes an event
// durable before it returns by copying it into one of this process's two
// spool files (shared mappings, spool.h; they survive SIGKILL of the process)
// and queues it; a background writer thread hash-chains queued events, moves
// them into SQLite in batched transactions and empties the spool they came
// from while the appends go to the other. Spools of dead processes are
// drained by the next Recorder or reader that opens the journal. Fork-aware:
// a child never touches its parent's SQLite handle, spool or thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "journal/event.h"
#include "journal/options.h"
#include "util/status.h"

namespace pqward::journal {

// Per-session sequence state. Owned by the caller (one per connection);
// not thread-safe on its own, like the PGconn it belongs to. The hashes that
// chain a session's events are the writer's business (Store::Seal).
struct Chain {
  std::string session;  // 32 hex digits, from NewSessionId()
  int64_t next_seq = 0;
};

std::string NewSessionId();  // 128 random bits as 32 hex digits

class Recorder {
 public:
  // The recorder for this process, opened on first call with `opts` (later
  // calls return the same one; a forked child gets a fresh one). Fails when
  // the journal cannot be created, is not a pqward journal, has a newer
  // schema version, or the spool directory is not writable.
  static Status Get(const Options& opts, Recorder** out);

  // An independent recorder (tools, tests): same behaviour as Get's, but its
  // lifetime is the caller's; destroying it drains its queue and removes its
  // spool. Two recorders of one process may share a journal.
  static Status Open(const Options& opts, std::unique_ptr<Recorder>* out);

  // Sets ev->seq (and ev->session for a session's first event) from `chain`,
  // spools the event and advances the chain; the writer hash-chains it to the
  // session's previous event before storing it. On error the chain is
  // unchanged and nothing is spooled. Thread-safe. With `result`, the
  // event's columns and values are read from there (event.h, ResultSource).
  virtual Status Append(Chain* chain, Event* ev, const ResultSource* result = nullptr) = 0;

  // Moves everything queued so far into SQLite before returning.
  virtual Status Flush() = 0;

  virtual ~Recorder() = default;
};

// Drains the spools of dead processes into the journal at `path` (readers
// call it before reading). A missing journal or spool directory is not an error.
Status RecoverSpools(const std::string& path);

// Checks that a recorder could write `path`: the journal opens (created if
// missing) as a pqward journal of a known version and its spool directory is
// writable. Used by `pqward run` before it starts the program.
Status CheckJournal(const std::string& path);

}  // namespace pqward::journal
