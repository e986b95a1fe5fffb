// Spool files: one per writing process, binary records (spool_record.h)
// back to back, copied into a shared map (or, where space cannot be
// reserved, written with one O_APPEND write(2)) so that a record is either
// whole or never read; drained
// into SQLite by their owner, or by the next opener once the owner is dead
// (its flock is gone).
#include "journal/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "journal/chain_hash.h"
#include "journal/spool_record.h"

namespace pqward::journal {

namespace {

Status SysError(const std::string& path, const char* what, int err) {
  return Status::Journal("journal spool " + path + ": " + what + ": " + strerror(err));
}

constexpr size_t kSpoolReserve = 1 << 20;  // first reservation; doubled as needed

// Reserves and maps `capacity` bytes. False (errno set) if space cannot be
// reserved; the spool is then unchanged.
bool Reserve(SpoolFile* spool, size_t capacity) {
  int rc = posix_fallocate(spool->fd, 0, static_cast<off_t>(capacity));
  if (rc != 0) {
    errno = rc;
    return false;
  }
  void* m = spool->map == nullptr
                ? mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, spool->fd, 0)
                : mremap(spool->map, spool->capacity, capacity, MREMAP_MAYMOVE);
  if (m == MAP_FAILED) return false;
  spool->map = static_cast<char*>(m);
  spool->capacity = capacity;
  return true;
}

// Makes room for the first `need` bytes: grows the reservation, doubling it
// at least, when it is short. False (errno set) as Reserve.
bool Cover(SpoolFile* spool, size_t need) {
  return need <= spool->capacity ||
         Reserve(spool, std::max({2 * spool->capacity, need, kSpoolReserve}));
}

Status AppendWithWrite(SpoolFile* spool, std::string_view line) {
  if (spool->torn) {
    return Status::Journal("journal spool " + spool->path +
                           ": a torn record could not be cut off; it takes no more events");
  }
  ssize_t n;
  do {
    n = write(spool->fd, line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(line.size())) {
    spool->size += line.size();
    return Status::OK();
  }
  int err = n < 0 ? errno : ENOSPC;
  if (n > 0 && ftruncate(spool->fd, static_cast<off_t>(spool->size)) != 0) {
    // Readers stop at a torn record, so nothing may follow the one that
    // could not be cut off: this spool takes no more.
    spool->torn = true;
  }
  return SysError(spool->path, "write", err);
}

}  // namespace

Status CreateSpool(const std::string& dir, SpoolFile* out) {
  PQWARD_RETURN_IF_ERROR(MakeDirs(dir));
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string path = dir + "/" + std::to_string(getpid()) + "-" + RandomHex(8) + kSpoolSuffix;
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      return SysError(path, "cannot create", errno);
    }
    while (flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        int err = errno;
        close(fd);
        return SysError(path, "cannot lock", err);
      }
    }
    // A recoverer may have taken the lock between open and flock and unlinked
    // the (empty) file: then start over with a new name.
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_nlink == 0) {
      close(fd);
      continue;
    }
    SpoolFile spool;
    spool.fd = fd;
    spool.path = std::move(path);
    spool.mapped = Reserve(&spool, kSpoolReserve);
    if (!spool.mapped && errno != EOPNOTSUPP && errno != EINVAL && errno != ENODEV) {
      int err = errno;
      unlink(spool.path.c_str());
      close(fd);
      return SysError(dir, "cannot reserve space for a spool", err);
    }
    *out = std::move(spool);
    return Status::OK();
  }
  return Status::Journal("journal spool " + dir + ": cannot create a spool file");
}

// A mapped spool's records end at a zero byte, and older lines may follow it
// (a reset keeps the pages, so that the next appends need no page faults). An
// append writes its line but the first byte, then a zero byte after it, and
// its first byte last, over the zero that ended the records: a recoverer stops
// at the first zero, so a record the process was killed in the middle of
// writing is never read, whole or torn, and neither is anything after it.
Status WriteSpool(SpoolFile* spool, std::string_view line) {
  if (!spool->mapped) return AppendWithWrite(spool, line);
  if (line.empty()) return Status::OK();
  size_t need = spool->size + line.size() + 1;
  if (!Cover(spool, need)) return SysError(spool->path, "cannot grow", errno);
  char* dst = spool->map + spool->size;
  std::memcpy(dst + 1, line.data() + 1, line.size() - 1);
  dst[line.size()] = '\0';
  std::atomic_ref<char>(dst[0]).store(line[0], std::memory_order_release);
  spool->size += line.size();
  return Status::OK();
}

bool PrefaultSpool(SpoolFile* spool, size_t end) {
#ifdef MADV_POPULATE_WRITE
  if (!spool->mapped || spool->map == nullptr) return false;
  if (!Cover(spool, end)) return false;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t from = std::max(spool->prefaulted, spool->size) / page * page;
  if (end <= from) return true;
  if (madvise(spool->map + from, end - from, MADV_POPULATE_WRITE) != 0) return false;
  spool->prefaulted = end;
  return true;
#else
  (void)spool;
  (void)end;
  return false;
#endif
}

void ResetSpool(SpoolFile* spool) {
  if (spool->fd < 0 || spool->size == 0) return;
  if (!spool->mapped) {
    if (ftruncate(spool->fd, 0) == 0) spool->size = spool->taken = 0;
    return;
  }
  // The space stays reserved and mapped: no later copy into the map can
  // meet a full disk (that would be SIGBUS, not an error).
  spool->map[0] = '\0';
  spool->size = 0;
  spool->taken = 0;
  spool->prefaulted = 0;  // pages written back since are read-only again
}

void CloseSpool(SpoolFile* spool) {
  if (spool->map != nullptr) munmap(spool->map, spool->capacity);
  if (spool->fd >= 0) close(spool->fd);
  spool->map = nullptr;
  spool->capacity = 0;
  spool->fd = -1;
}

Status ReadSpool(int fd, const std::string& path, Batch* out) {
  std::string data;
  char buf[65536];
  off_t off = 0;
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof buf, off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError(path, "read", errno);
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    off += n;
  }
  if (!data.empty() && data[0] == kRecordMark) {
    // Up to the zero byte that ends a mapped spool's records (older records
    // of a reused spool may follow it), or a torn last record.
    AddSpoolRecords(data, out);
    return Status::OK();
  }
  // A spool of an earlier pqward: one line per record.
  data.resize(std::min(data.size(), data.find('\0')));  // a mapped spool's end
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) break;                                        // torn last record
    (void)ParseRecordLine(std::string_view(data).substr(pos, nl - pos), out);  // bad: skipped
    pos = nl + 1;
  }
  return Status::OK();
}

namespace {

// Drains one orphaned spool: false if it is not ours to drain (its owner is
// alive, or another recoverer has it), else its result.
bool RecoverSpool(Store* store, const std::string& path, Status* result) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;  // gone meanwhile, or not ours to read
  struct stat st;
  if (flock(fd, LOCK_EX | LOCK_NB) != 0 || fstat(fd, &st) != 0 || st.st_nlink == 0) {
    close(fd);  // alive, or already drained by another recoverer
    return false;
  }
  Batch recs;
  ChainTips tips;
  Status s = ReadSpool(fd, path, &recs);
  if (s.ok() && !recs.empty()) s = store->Seal(&recs, &tips);
  if (s.ok() && !recs.empty()) s = store->Insert(recs);
  if (s.ok()) unlink(path.c_str());
  close(fd);
  *result = s;
  return true;
}

}  // namespace

Status RecoverSpoolFiles(Store* store, std::vector<std::string> paths) {
  Status result;
  for (size_t before = paths.size() + 1; !paths.empty() && paths.size() < before;) {
    before = paths.size();
    result = Status::OK();
    std::vector<std::string> failed;
    for (const std::string& path : paths) {
      Status s;
      if (!RecoverSpool(store, path, &s) || s.ok()) continue;
      if (result.ok()) result = s;
      failed.push_back(path);
    }
    paths.swap(failed);
  }
  return result;
}

Status RecoverSpoolsInto(Store* store, const std::string& journal_path) {
  std::string dir = SpoolDir(journal_path);
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::OK();
    return SysError(dir, "cannot list", errno);
  }
  std::vector<std::string> paths;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.ends_with(kSpoolSuffix) || name.ends_with(kLineSpoolSuffix)) {
      paths.push_back(dir + "/" + name);
    }
  }
  closedir(d);
  return RecoverSpoolFiles(store, std::move(paths));
}

}  // namespace pqward::journal
