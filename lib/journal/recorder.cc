// The recorder: chains events, spools them (durable once Append returns) and
// moves them into SQLite on a background writer thread. Also owns the
// process-level concerns: exit (drain, remove the spool) and fork (the child
// starts from a clean state and never writes its parent's events).
// Design notes are in docs/journal.md ("Durability").
#include "journal/recorder.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "journal/chain_hash.h"
#include "journal/spool.h"
#include "journal/spool_record.h"
#include "journal/store.h"

namespace pqward::journal {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kBatchInterval{200};  // the writer's drain period
constexpr size_t kBatchEvents = 4096;        // ...or this many queued events
constexpr milliseconds kMaxBackoff{2000};    // retry delay cap after a SQLite error
constexpr milliseconds kFlushWait{10000};    // Flush gives up after this
constexpr milliseconds kExitWait{3000};      // exit leaves the spool after this
constexpr size_t kSpoolMax = 32 << 20;       // appends wait for an emptied spool past this
constexpr int kWriterNice = 10;              // the writer thread's nice value
constexpr size_t kPrefaultMin = 256 << 10;   // spool bytes prefaulted ahead of the appends...
constexpr size_t kPrefaultMax = 8 << 20;     // ...at most
constexpr size_t kPrefaultStep = 128 << 10;  // prefaulted per hold of the lock

// The state of one recorder in one process. A forked child abandons (leaks)
// its parent's Core, whose mutexes may be held, and starts a new one.
struct Core {
  explicit Core(std::string p) : path(std::move(p)) {}

  const std::string path;               // journal file
  std::mutex mu;                        // guards everything below except db_mu/store
  std::condition_variable work_cv;      // wakes the writer
  std::condition_variable done_cv;      // wakes Flush/exit waiters after each attempt
  RecordQueue queue;                    // spooled, not yet taken (TakeQueued)
  uint64_t appended = 0;                // records spooled by this Core
  uint64_t spooled = 0;                 // their bytes
  uint64_t spooled_seen = 0;            // `spooled` at the writer's last prefault
  bool prefault = true;                 // false once the system said it cannot
  uint64_t committed = 0;               // records known to be in SQLite
  uint64_t failures = 0;                // failed writer attempts so far
  bool failing = false;                 // the writer's last attempt failed
  bool flush_requested = false;         // drain now, do not wait for the period
  bool quit = false;                    // the writer ends once drained (or failing)
  bool warned = false;                  // the one stderr warning was printed
  std::string last_error;               // cause of the last failed attempt
  SpoolFile spools[2];                  // taken in turn (SwitchSpool); fd -1 until needed
  int cur = 0;                          // the spool appends go to
  std::thread* writer = nullptr;        // started by the first Append; never destroyed in a child
  bool writer_running = false;          // the writer reached its loop (StartWriter waits)
  std::mutex db_mu;                     // held while the writer is inside SQLite
  std::unique_ptr<Store> store;         // opened lazily by the writer; closed at fork
  ChainTips tips;                       // the writer's chain state, under db_mu
  std::atomic<bool> abort_wait{false};  // makes SQLite busy waits give up (fork)
};

void StartWriter(Core* c, std::unique_lock<std::mutex>& lk);

SpoolFile& CurSpool(Core* c) {
  return c->spools[c->cur];
}

class RecorderImpl final : public Recorder {
 public:
  explicit RecorderImpl(Core* core) : core_(core) {}
  ~RecorderImpl() override;
  Status Append(Chain* chain, Event* ev, const ResultSource* result) override;
  Status Flush() override;

  std::atomic<Core*> core_;  // replaced in a forked child
};

// All live recorders, for the fork and exit handlers. Never destroyed, so the
// handlers work during static destruction too.
struct Registry {
  std::mutex mu;
  std::vector<RecorderImpl*> recorders;
};
Registry* GetRegistry() {
  static Registry* r = new Registry();  // created on first use, not at load
  return r;
}

// Waits until everything appended before the call is committed, or an attempt
// after the call failed, or `limit` passed. Called with c->mu held.
Status WaitDrained(Core* c, std::unique_lock<std::mutex>& lk, milliseconds limit) {
  const uint64_t target = c->appended;
  const uint64_t failures = c->failures;
  c->flush_requested = true;
  c->work_cv.notify_one();
  bool done = c->done_cv.wait_for(lk, limit,
                                  [&] { return c->committed >= target || c->failures > failures; });
  if (c->committed >= target) return Status::OK();
  std::string cause = done ? c->last_error : "timed out waiting for the journal writer";
  return Status::Journal("journal " + c->path + ": events kept in spool directory " +
                         SpoolDir(c->path) + ": " + cause);
}

// Drains synchronously and removes the spool once everything is in SQLite;
// otherwise leaves the spool to be recovered by the next opener.
void Shutdown(Core* c, bool join) {
  std::unique_lock<std::mutex> lk(c->mu);
  if (c->writer == nullptr) return;
  c->quit = true;
  bool drained = WaitDrained(c, lk, kExitWait).ok() && c->queue.empty();
  for (SpoolFile& spool : c->spools) {
    if (!drained || spool.fd < 0) continue;
    unlink(spool.path.c_str());
    CloseSpool(&spool);
  }
  if (!drained) c->abort_wait = true;  // let the writer give up quickly
  c->work_cv.notify_one();
  std::thread* t = c->writer;
  lk.unlock();
  if (join) {
    t->join();
    delete t;
    c->writer = nullptr;
  }
}

void WarnOnce(Core* c, const Status& s) {
  c->last_error = s.message();
  if (c->warned) return;
  c->warned = true;
  std::string msg = "pqward: " + s.message() + " (events are kept in the spool and retried)\n";
  fputs(msg.c_str(), stderr);
}

// One attempt to chain and store `batch` (entries sealed by an earlier,
// failed attempt stay sealed). Runs without c->mu, holding db_mu.
Status WriteBatch(Core* c, Batch* batch) {
  std::lock_guard<std::mutex> db(c->db_mu);
  if (!c->store) {
    PQWARD_RETURN_IF_ERROR(Store::Open(c->path, Store::Mode::kWrite, &c->store, &c->abort_wait));
  }
  PQWARD_RETURN_IF_ERROR(c->store->Seal(batch, &c->tips));
  return c->store->Insert(*batch);
}

// Prefaults the spool ahead of the appends (see PrefaultSpool): by twice
// what was appended since the last call, within bounds, in steps that keep
// an append from waiting long for the lock. Called by the writer, c->mu held.
void PrefaultAhead(Core* c, std::unique_lock<std::mutex>& lk) {
  size_t recent = c->spooled - c->spooled_seen;
  c->spooled_seen = c->spooled;
  size_t ahead = std::clamp(2 * recent, kPrefaultMin, kPrefaultMax);
  SpoolFile* spool = &CurSpool(c);
  size_t end = std::min(spool->size + ahead, kSpoolMax);
  for (size_t done;
       c->prefault && spool->mapped && (done = std::max(spool->prefaulted, spool->size)) < end;) {
    if (!PrefaultSpool(spool, std::min(done + kPrefaultStep, end))) {
      if (errno == EINVAL) c->prefault = false;  // not on this system: appends fault
      return;
    }
    lk.unlock();
    lk.lock();
    spool = &CurSpool(c);  // an append may have switched it meanwhile
  }
}

// At the writer's take: moves the appends to the other spool if it is empty
// (everything in it stored), so that the current one can be emptied once
// the batch just taken is stored. Appends so keep reusing the same pages of
// the page cache; with one spool, emptied only when the writer found nothing
// new after a commit (never, under a steady stream), they streamed through
// fresh ones. Called with c->mu held; true if it switched.
bool SwitchSpool(Core* c) {
  SpoolFile& other = c->spools[1 - c->cur];
  if (CurSpool(c).size == 0 || other.size != 0) return false;
  if (other.fd < 0 && !CreateSpool(SpoolDir(c->path), &other).ok()) return false;  // keep one
  c->cur = 1 - c->cur;
  return true;
}

// After a stored batch: the other spool only holds records taken before the
// switch, so all are stored; the current one is emptied if all of its are.
void ResetSpools(Core* c) {
  ResetSpool(&c->spools[1 - c->cur]);
  if (c->queue.empty() && c->committed == c->appended) ResetSpool(&CurSpool(c));
}

// Hands the records spooled since the last take to the writer, and moves
// the appends to the other spool if it can. The appends to a mapped spool
// only count their records: copying each into the queue as well cost the
// program's thread about 0.6 µs per event (docs/performance.md, "Run T").
// Once the appends have moved on, the writer reads the records in place
// (`*in_map`: nothing writes, grows or empties that spool until the writer
// has stored them); else it copies them out here, under the lock. A write(2)
// spool's appends queue their records themselves. Called with c->mu held.
void TakeQueued(Core* c, RecordQueue* taken, std::string_view* in_map) {
  taken->swap(c->queue);  // the appenders get the last batch's memory back
  SpoolFile& spool = CurSpool(c);
  std::string_view fresh;
  if (spool.mapped) fresh = std::string_view(spool.map + spool.taken, spool.size - spool.taken);
  spool.taken = spool.size;
  *in_map = SwitchSpool(c) ? fresh : std::string_view();
  if (in_map->empty()) taken->bytes.append(fresh);
}

// Turns the records taken from the queue into the lines of `batch`: the
// canonical JSON is made here, off the statements' path. A record that does
// not decode can only be a bug; it is reported rather than waited for.
// Called without c->mu.
void TakeRecords(Core* c, RecordQueue* taken, std::string_view in_map, Batch* batch) {
  size_t before = batch->size();
  AddSpoolRecords(in_map.empty() ? std::string_view(taken->bytes) : in_map, batch);
  size_t bad = taken->count - (batch->size() - before);
  taken->clear();
  if (bad == 0) return;
  std::lock_guard<std::mutex> lk(c->mu);
  c->committed += bad;
  fprintf(stderr, "pqward: journal %s: %zu spooled records did not decode (a bug)\n",
          c->path.c_str(), bad);
}

void WriterLoop(Core* c) {
  // Background work: the events are durable in the spool already, so the
  // writer yields the CPU to the program's own threads (Linux: per thread).
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kWriterNice);
  Batch batch;              // taken from the queue, not yet committed
  RecordQueue taken;        // the queue's records being turned into `batch`...
  std::string_view in_map;  // ...or their bytes in a spool's map (TakeQueued)
  milliseconds delay = kBatchInterval;
  std::unique_lock<std::mutex> lk(c->mu);
  c->writer_running = true;
  c->done_cv.notify_all();
  for (;;) {
    PrefaultAhead(c, lk);
    if (!batch.empty()) {
      c->work_cv.wait_for(lk, delay);  // back off after a failure; Flush cuts it short
    } else if (!c->quit) {
      c->work_cv.wait_for(lk, delay, [&] {
        return c->queue.count >= kBatchEvents || c->flush_requested || c->quit;
      });
    }
    c->flush_requested = false;
    TakeQueued(c, &taken, &in_map);
    if (batch.empty() && taken.empty()) {
      if (c->quit) return;
      continue;
    }
    lk.unlock();
    TakeRecords(c, &taken, in_map, &batch);
    Status s = WriteBatch(c, &batch);
    lk.lock();
    c->failing = !s.ok();
    if (s.ok()) {
      c->committed += batch.size();
      batch.clear();
      delay = kBatchInterval;
      ResetSpools(c);
    } else {
      ++c->failures;
      WarnOnce(c, s);
      delay = std::min(kMaxBackoff, delay * 2);
      if (c->quit && c->abort_wait) return;  // exit gave up: the spool keeps them
    }
    c->done_cv.notify_all();
  }
}

// Waits until a started writer has reached its loop: a fork must not copy a
// thread halfway through its start-up, which may hold a lock of the runtime
// that the child then waits on forever (seen with GCC 12's AddressSanitizer,
// whose allocator is not fork-safe). Called with c->mu held.
void WaitWriterStarted(Core* c, std::unique_lock<std::mutex>& lk) {
  c->done_cv.wait(lk, [c] { return c->writer == nullptr || c->writer_running; });
}

// Starts the writer with every signal blocked, so that the program's signal
// handlers never run on it, and waits until it runs (once per process).
// Called with c->mu held.
void StartWriter(Core* c, std::unique_lock<std::mutex>& lk) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  c->writer = new std::thread(WriterLoop, c);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  WaitWriterStarted(c, lk);
}

void ForkPrepare() {
  GetRegistry()->mu.lock();
  for (RecorderImpl* r : GetRegistry()->recorders) {
    Core* c = r->core_.load();
    c->abort_wait = true;
    c->db_mu.lock();
    c->store.reset();  // the child must inherit no SQLite state (locks, WAL index)
    std::unique_lock<std::mutex> lk(c->mu);
    WaitWriterStarted(c, lk);  // one another thread has just started
    lk.release();              // unlocked by ForkParent / abandoned by ForkChild
  }
}

void ForkParent() {
  for (RecorderImpl* r : GetRegistry()->recorders) {
    Core* c = r->core_.load();
    c->abort_wait = false;
    c->mu.unlock();
    c->db_mu.unlock();
  }
  GetRegistry()->mu.unlock();
}

// In the child: the parent's queue, spool and writer stay the parent's.
void ForkChild() {
  for (RecorderImpl* r : GetRegistry()->recorders) {
    Core* old = r->core_.load();
    for (SpoolFile& spool : old->spools) CloseSpool(&spool);
    RecordQueue().swap(old->queue);
    r->core_ = new Core(old->path);  // `old` is leaked: its mutexes are held
  }
  GetRegistry()->mu.unlock();
}

void AtExit() {
  std::vector<RecorderImpl*> all;
  {
    std::lock_guard<std::mutex> lk(GetRegistry()->mu);
    all = GetRegistry()->recorders;
  }
  for (RecorderImpl* r : all) Shutdown(r->core_.load(), false);
}

void InstallProcessHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    pthread_atfork(ForkPrepare, ForkParent, ForkChild);
    atexit(AtExit);
  });
}

std::string ResolvePath(const Options& opts) {
  return opts.path.empty() ? DefaultPath() : opts.path;
}

Status CheckSpoolDir(const std::string& path) {
  std::string dir = SpoolDir(path);
  PQWARD_RETURN_IF_ERROR(MakeDirs(dir).Wrap("journal " + path));
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::Journal("journal spool " + dir + ": not writable: " + strerror(errno));
  }
  return Status::OK();
}

// Under a steady stream of events the writer never finds the queue empty
// after a commit, so the spool would only grow (by megabytes a second). An
// append that would take it past kSpoolMax (`next` is the bytes to append)
// first waits, typically for one batch commit, until the writer has stored
// everything and emptied the spool. Not while the writer is failing: then the
// spool grows, as it must to keep the events. Called with c->mu held.
void WaitForEmptySpool(Core* c, std::unique_lock<std::mutex>& lk, size_t next) {
  auto full = [&] {
    return CurSpool(c).size + next >= kSpoolMax && c->writer != nullptr && !c->failing;
  };
  if (!full()) return;  // the usual case: no clock read on the statement's path
  const auto deadline = Clock::now() + kFlushWait;
  while (full() && Clock::now() < deadline) {
    c->flush_requested = true;
    c->work_cv.notify_one();
    c->done_cv.wait_until(lk, deadline);
  }
}

}  // namespace

Status RecorderImpl::Append(Chain* chain, Event* ev, const ResultSource* result) {
  if (chain->session.empty()) return Status::Internal("journal: chain without a session id");
  ev->seq = chain->next_seq;
  if (ev->seq == 0) ev->session = chain->session;  // only the first event names it
  // Encoded outside the lock, in this thread's own buffer, as a binary
  // record: the writer makes its canonical JSON and hashes it.
  // initial-exec: see interpose/guard.h (one TLS lookup per event otherwise).
  [[gnu::tls_model("initial-exec")]] thread_local RecordBuffer buffer;
  buffer.clear();
  AppendSpoolRecord(chain->session, *ev, &buffer, result);
  const std::string_view record = buffer.view();
  Core* c = core_.load();
  {
    std::unique_lock<std::mutex> lk(c->mu);
    if (CurSpool(c).fd < 0) PQWARD_RETURN_IF_ERROR(CreateSpool(SpoolDir(c->path), &CurSpool(c)));
    WaitForEmptySpool(c, lk, record.size());
    PQWARD_RETURN_IF_ERROR(WriteSpool(&CurSpool(c), record));
    if (CurSpool(c).mapped) {
      ++c->queue.count;  // the writer copies it out of the map (TakeQueued)
    } else {
      c->queue.Add(record);
    }
    ++c->appended;
    c->spooled += record.size();
    if (c->writer == nullptr) StartWriter(c, lk);
    if (c->queue.count == kBatchEvents) c->work_cv.notify_one();
  }
  chain->next_seq++;
  return Status::OK();
}

Status RecorderImpl::Flush() {
  Core* c = core_.load();
  std::unique_lock<std::mutex> lk(c->mu);
  if (c->committed == c->appended) return Status::OK();
  return WaitDrained(c, lk, kFlushWait);
}

RecorderImpl::~RecorderImpl() {
  {
    std::lock_guard<std::mutex> lk(GetRegistry()->mu);
    auto& v = GetRegistry()->recorders;
    v.erase(std::remove(v.begin(), v.end(), this), v.end());
  }
  Core* c = core_.load();
  Shutdown(c, true);
  for (SpoolFile& spool : c->spools) CloseSpool(&spool);  // not drained: left for recovery
  delete c;
}

Status Recorder::Open(const Options& opts, std::unique_ptr<Recorder>* out) {
  std::string path = ResolvePath(opts);
  std::unique_ptr<Store> store;
  PQWARD_RETURN_IF_ERROR(Store::Open(path, Store::Mode::kWrite, &store));
  PQWARD_RETURN_IF_ERROR(CheckSpoolDir(path));
  Status s = RecoverSpoolsInto(store.get(), path);
  if (!s.ok()) fprintf(stderr, "pqward: %s\n", s.message().c_str());  // retried by the next opener
  InstallProcessHandlers();
  Core* core = new Core(path);
  core->store = std::move(store);
  auto* r = new RecorderImpl(core);
  {
    std::lock_guard<std::mutex> lk(GetRegistry()->mu);
    GetRegistry()->recorders.push_back(r);
  }
  out->reset(r);
  return Status::OK();
}

Status Recorder::Get(const Options& opts, Recorder** out) {
  static std::mutex mu;
  static Recorder* the = nullptr;  // never destroyed: exit is handled by AtExit
  std::lock_guard<std::mutex> lk(mu);
  if (the == nullptr) {
    std::unique_ptr<Recorder> r;
    PQWARD_RETURN_IF_ERROR(Open(opts, &r));
    the = r.release();
  }
  *out = the;
  return Status::OK();
}

Status RecoverSpools(const std::string& path) {
  struct stat st;
  if (stat(SpoolDir(path).c_str(), &st) != 0 || stat(path.c_str(), &st) != 0) return Status::OK();
  std::unique_ptr<Store> store;
  PQWARD_RETURN_IF_ERROR(Store::Open(path, Store::Mode::kWrite, &store));
  return RecoverSpoolsInto(store.get(), path);
}

Status CheckJournal(const std::string& path) {
  std::unique_ptr<Store> store;
  PQWARD_RETURN_IF_ERROR(Store::Open(path, Store::Mode::kWrite, &store));
  return CheckSpoolDir(path);
}

}  // namespace pqward::journal
