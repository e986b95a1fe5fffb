// Reading and verifying a journal; see reader.h.
#include "journal/reader.h"

#include <sqlite3.h>

#include "journal/chain_hash.h"
#include "journal/recorder.h"

namespace pqward::journal {

namespace {

// A prepared statement, finalized on scope exit.
class Query {
 public:
  Query(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &st_, nullptr); }
  ~Query() { sqlite3_finalize(st_); }
  bool ok() const { return st_ != nullptr; }
  bool Next() { return sqlite3_step(st_) == SQLITE_ROW; }
  std::string Text(int i) {
    const unsigned char* t = sqlite3_column_text(st_, i);
    return t != nullptr ? reinterpret_cast<const char*>(t) : "";
  }
  int64_t Int(int i) { return sqlite3_column_int64(st_, i); }
  void Bind(int i, const std::string& s) {
    sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }

 private:
  sqlite3_stmt* st_ = nullptr;
};

const char* const kInfoKeys[] = {
    "pid",         "exe",    "argv",    "os_user",          "client_host",   "server_host",
    "server_port", "dbname", "db_user", "application_name", "pqward_version"};

// Checks that `line` is event `seq` of `session` and chains to *prev_hash;
// advances *prev_hash to its hash.
Status VerifyLine(std::string_view line, const std::string& session, int64_t seq,
                  std::string* prev_hash) {
  std::string where = "session " + session + " event " + std::to_string(seq) + ": ";
  LineFields f;
  Event ev;
  if (!SplitLine(line, &f) || !ParseCanonicalJson(f.body, &ev)) {
    return Status::Corrupt(where + "not a valid event line");
  }
  if ((!f.session.empty() && f.session != session) ||
      (!ev.session.empty() && ev.session != session)) {
    return Status::Corrupt(where + "belongs to another session (moved)");
  }
  if (seq == 0 && ev.session != session) {
    return Status::Corrupt(where + "a first event must name its session (altered)");
  }
  if (ev.seq != seq) {
    return Status::Corrupt(where + "expected event " + std::to_string(seq) + ", found " +
                           std::to_string(ev.seq) + " (an event was removed or reordered)");
  }
  if (!f.prev.empty() && f.prev != *prev_hash) {
    return Status::Corrupt(where + "prev_hash does not chain");
  }
  if (ChainHash(*prev_hash, f.body) != f.hash) {  // stored lines imply prev_hash
    return Status::Corrupt(where + "hash mismatch (the event was changed)");
  }
  prev_hash->assign(f.hash);
  return Status::OK();
}

nlohmann::json ParseOrNull(const std::string& text) {
  return text.empty() ? nlohmann::json() : nlohmann::json::parse(text, nullptr, false);
}

}  // namespace

Status Reader::Open(const std::string& path, std::unique_ptr<Reader>* out) {
  PQWARD_RETURN_IF_ERROR(RecoverSpools(path));
  std::unique_ptr<Store> store;
  PQWARD_RETURN_IF_ERROR(Store::Open(path, Store::Mode::kRead, &store));
  if (store->version() < kSchemaVersion) {  // an older journal: upgrade it first
    store.reset();
    PQWARD_RETURN_IF_ERROR(Store::Open(path, Store::Mode::kWrite, &store));
    store.reset();
    PQWARD_RETURN_IF_ERROR(Store::Open(path, Store::Mode::kRead, &store));
  }
  out->reset(new Reader(std::move(store)));
  return Status::OK();
}

Status Reader::Sessions(std::vector<SessionRow>* out) {
  out->clear();
  if (store_->empty()) return Status::OK();
  Query q(store_->db(),
          "SELECT s.session, s.started_at, s.ended_at, s.status, s.pid, s.exe, s.argv, s.os_user,"
          " s.client_host, s.server_host, s.server_port, s.dbname, s.db_user,"
          " s.application_name, s.pqward_version, s.actor,"
          " (SELECT coalesce(sum(c.last_seq - c.first_seq + 1), 0) FROM chunks c"
          "  WHERE c.session = s.session)"
          " FROM sessions s ORDER BY s.started_at, s.session");
  if (!q.ok()) return store_->Error("list sessions");
  while (q.Next()) {
    SessionRow row;
    row.id = q.Text(0);
    row.started_at_us = q.Int(1);
    row.ended_at_us = q.Int(2);
    row.status = q.Text(3);
    for (size_t i = 0; i < std::size(kInfoKeys); i++) {
      std::string v = q.Text(static_cast<int>(4 + i));
      row.info[kInfoKeys[i]] = (i == 2) ? ParseOrNull(v) : nlohmann::json(v);
    }
    row.actor = ParseOrNull(q.Text(15));
    row.events = q.Int(16);
    out->push_back(std::move(row));
  }
  return Status::OK();
}

Status Reader::Events(const std::string& session, std::vector<Event>* out) {
  out->clear();
  if (store_->empty()) return Status::OK();
  Query q(store_->db(),
          "SELECT c.lines, c.session FROM chunks c LEFT JOIN sessions s ON s.session = c.session"
          " WHERE ?1 = '' OR c.session = ?1 ORDER BY s.started_at, c.session, c.first_seq");
  if (!q.ok()) return store_->Error("read events");
  q.Bind(1, session);
  std::string last_session, last_hash;
  while (q.Next()) {
    std::string lines = q.Text(0);
    std::string chunk_session = q.Text(1);
    for (std::string_view line : ChunkLines(lines)) {
      LineFields f;
      Event ev;
      if (!SplitLine(line, &f) || !ParseCanonicalJson(f.body, &ev)) {
        return Status::Corrupt("journal " + store_->path() + ": an event is not valid");
      }
      ev.session = chunk_session;  // bodies after a session's first do not repeat it
      if (chunk_session != last_session) last_session = chunk_session, last_hash.clear();
      ev.prev_hash =
          f.prev.empty() ? last_hash : std::string(f.prev);  // implied by the line before
      ev.hash = f.hash;
      last_hash = ev.hash;
      out->push_back(std::move(ev));
    }
  }
  return Status::OK();
}

Status Reader::Verify(int64_t* sessions, int64_t* events) {
  *sessions = *events = 0;
  if (store_->empty()) return Status::OK();
  Query q(store_->db(),
          "SELECT session, first_seq, last_seq, lines FROM chunks ORDER BY session, first_seq");
  if (!q.ok()) return store_->Error("verify");
  std::string session, prev_hash;
  int64_t expect = 0;
  while (q.Next()) {
    std::string chunk_session = q.Text(0);
    if (chunk_session != session) {
      session = chunk_session, prev_hash.clear(), expect = 0;
      ++*sessions;
    }
    std::string where = "session " + session + " event ";
    if (q.Int(1) != expect) {
      return Status::Corrupt(where + std::to_string(expect) + ": expected event " +
                             std::to_string(expect) + ", found " + std::to_string(q.Int(1)) +
                             " (an event was removed or reordered)");
    }
    std::string lines = q.Text(3);
    for (std::string_view line : ChunkLines(lines)) {
      PQWARD_RETURN_IF_ERROR(VerifyLine(line, session, expect, &prev_hash));
      ++expect;
      ++*events;
    }
    if (q.Int(2) != expect - 1) {
      return Status::Corrupt(where + std::to_string(expect - 1) + ": chunk claims " +
                             std::to_string(q.Int(2)) + " as its last event (changed)");
    }
  }
  return Status::OK();
}

}  // namespace pqward::journal
