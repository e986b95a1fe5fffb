// Spool files (private to journal/): the per-process append-only file that
// makes an event durable before Append returns, and the recovery of spools
// left by dead processes. A live process holds flock(LOCK_EX) on its spools
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

// A spool of binary records is named <pid>-<random>.spool2. Builds that
// spooled JSON lines named theirs .spool, and drain every .spool file as
// lines: one of them would read binary records as torn lines, drop them and
// remove the file. The new suffix keeps those builds away from spools they
// cannot read, which wait for a build that can. Recovery here reads both.
inline constexpr char kSpoolSuffix[] = ".spool2";
inline constexpr char kLineSpoolSuffix[] = ".spool";

// A spool is written through a shared memory map of space reserved ahead
// with fallocate(2): appending an event is a memory copy, not a system call,
// and it is in the page cache (so it survives SIGKILL) once the copy is done.
// Running out of reserved space grows the file first, which is where a full
// disk is reported. Where the file system cannot reserve space, plain
// write(2) appends are used instead.
struct SpoolFile {
  int fd = -1;            // flock(LOCK_EX) held
  std::string path;       // <dir>/<pid>-<random>.spool2
  size_t size = 0;        // bytes of records, not yet cut away by ResetSpool
  bool mapped = false;    // appends go through `map`; else through write(2)
  char* map = nullptr;    // the file's first `capacity` bytes (null: none yet)
  size_t capacity = 0;    // reserved and mapped
  size_t prefaulted = 0;  // bytes made writable by PrefaultSpool since the last reset
  size_t taken = 0;       // bytes handed on by the owner (recorder.cc) since then
  bool torn = false;      // a write(2) append left a record it could not cut off
};

// Creates and locks a fresh spool file (mode 0600) in `dir`.
Status CreateSpool(const std::string& dir, SpoolFile* out);

// Appends a record whole, or not at all (on error the records are unchanged).
Status WriteSpool(SpoolFile* spool, std::string_view record);

// Makes the map writable up to byte `end` (growing the reservation to cover
// it) before the appends get there, so that an append's copy takes no page
// fault: a fault on a fresh page of a shared file map costs more than the
// rest of an append. Meant for the writer thread. False if this system cannot
// (no MADV_POPULATE_WRITE before Linux 5.14; not mapped; disk full): then
// the appends fault the pages in themselves, as before.
bool PrefaultSpool(SpoolFile* spool, size_t end);

// Empties the spool once everything in it is stored (its space stays reserved).
void ResetSpool(SpoolFile* spool);

// Unmaps and closes the spool (the file stays unless the caller unlinks it).
void CloseSpool(SpoolFile* spool);

// Reads every complete, intact record of an open spool into unsealed lines
// (reading stops at a torn record and at the zero byte after the last record
// of a mapped spool). Spools of earlier pqward builds hold lines, sealed or not:
// torn ones are skipped.
Status ReadSpool(int fd, const std::string& path, Batch* out);

// Drains every orphaned spool of the journal into `store` (sealing its
// records, chained to what the journal holds), then unlinks it.
Status RecoverSpoolsInto(Store* store, const std::string& journal_path);

// The same for the spools at `paths`, in any order. A process writes two
// spools in turn (recorder.cc), so one may hold the successors of events in
// another: a spool that fails is tried again after the others, for as long
// as a pass drains any; the error is the last pass's first.
Status RecoverSpoolFiles(Store* store, std::vector<std::string> paths);

}  // namespace pqward::journal
