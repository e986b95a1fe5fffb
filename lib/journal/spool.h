// Spool files (private to journal/): the per-process append-only file that
// makes an event durable before Append returns, and the recovery of spools
// left by dead processes. A live process holds flock(LOCK_EX) on its spool
// for its whole life, so a spool whose lock can be taken is an orphan.
#pragma once

#include <string>
#include <vector>

#include "journal/store.h"
#include "util/status.h"

namespace pqward::journal {

inline std::string SpoolDir(const std::string& journal_path) {
  return journal_path + ".spool";
}

struct SpoolFile {
  int fd = -1;       // O_WRONLY|O_APPEND, flock(LOCK_EX) held
  std::string path;  // <dir>/<pid>-<random>.spool
  off_t size = 0;    // bytes written and not yet truncated away
};

// Creates and locks a fresh spool file (mode 0600) in `dir`.
Status CreateSpool(const std::string& dir, SpoolFile* out);

// Appends `line` with a single write(2). A short write is cut off again so
// the file never keeps half a record; on error the file is unchanged.
Status WriteSpool(SpoolFile* spool, std::string_view line);

// Reads every complete, intact record of an open spool (torn lines skipped).
Status ReadSpool(int fd, const std::string& path, std::vector<Record>* out);

// Drains every orphaned spool of the journal into `store`, then unlinks it.
Status RecoverSpoolsInto(Store* store, const std::string& journal_path);

}  // namespace pqward::journal
