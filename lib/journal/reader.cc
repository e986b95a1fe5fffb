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

nlohmann::json ParseOrNull(const std::string& text) {
  return text.empty() ? nlohmann::json() : nlohmann::json::parse(text, nullptr, false);
}

}  // namespace

Status Reader::Open(const std::string& path, std::unique_ptr<Reader>* out) {
  PQWARD_RETURN_IF_ERROR(RecoverSpools(path));
  std::unique_ptr<Store> store;
  PQWARD_RETURN_IF_ERROR(Store::Open(path, Store::Mode::kRead, &store));
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
          " (SELECT count(*) FROM events e WHERE e.session = s.session)"
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
          "SELECT e.body, e.prev_hash, e.hash FROM events e"
          " LEFT JOIN sessions s ON s.session = e.session"
          " WHERE ?1 = '' OR e.session = ?1 ORDER BY s.started_at, e.session, e.seq");
  if (!q.ok()) return store_->Error("read events");
  q.Bind(1, session);
  while (q.Next()) {
    Event ev;
    ev.prev_hash = q.Text(1);
    ev.hash = q.Text(2);
    if (!ParseCanonicalJson(q.Text(0), &ev)) {
      return Status::Corrupt("journal " + store_->path() + ": an event body is not valid");
    }
    out->push_back(std::move(ev));
  }
  return Status::OK();
}

Status Reader::Verify(int64_t* sessions, int64_t* events) {
  *sessions = *events = 0;
  if (store_->empty()) return Status::OK();
  Query q(store_->db(),
          "SELECT session, seq, body, prev_hash, hash FROM events ORDER BY session, seq");
  if (!q.ok()) return store_->Error("verify");
  std::string session, prev_hash;
  int64_t expect = 0;
  while (q.Next()) {
    std::string row_session = q.Text(0);
    int64_t seq = q.Int(1);
    std::string body = q.Text(2);
    std::string where = "session " + row_session + " event " + std::to_string(seq) + ": ";
    if (row_session != session) {
      session = row_session, prev_hash.clear(), expect = 0;
      ++*sessions;
    }
    if (seq != expect) {
      return Status::Corrupt(where + "expected event " + std::to_string(expect) +
                             " (an event was removed or reordered)");
    }
    if (q.Text(3) != prev_hash) return Status::Corrupt(where + "prev_hash does not chain");
    if (ChainHash(prev_hash, body) != q.Text(4)) {
      return Status::Corrupt(where + "hash mismatch (the event was changed)");
    }
    Event ev;
    if (!ParseCanonicalJson(body, &ev) || ev.session != row_session || ev.seq != seq) {
      return Status::Corrupt(where + "body does not belong here (moved or altered)");
    }
    prev_hash = q.Text(4);
    ++expect;
    ++*events;
  }
  return Status::OK();
}

}  // namespace pqward::journal
