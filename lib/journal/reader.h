// Reader: read-only access to a journal for the CLI and tests: sessions,
// events in order, and verification of every session's hash chain. Opening a
// reader first drains spools that dead processes left behind, so what a
// killed program journaled is visible.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "journal/event.h"
#include "journal/store.h"
#include "util/status.h"

namespace pqward::journal {

struct SessionRow {
  std::string id;
  int64_t started_at_us = 0;
  int64_t ended_at_us = 0;  // 0 while the session is open
  std::string status;       // CLOSED, connect_failed, or "" while open
  nlohmann::json info;      // pid, exe, argv, os_user, server_host, ... as journaled
  nlohmann::json actor;     // the session's actor object (null if unknown)
  int64_t events = 0;
};

class Reader {
 public:
  // NotFound when `path` does not exist; Journal when it is not a journal.
  static Status Open(const std::string& path, std::unique_ptr<Reader>* out);

  // Sessions by start time.
  Status Sessions(std::vector<SessionRow>* out);

  // Events of `session` ("" = all), by session start time then seq, with
  // hash and prev_hash set.
  Status Events(const std::string& session, std::vector<Event>* out);

  // OK, or Status::Corrupt naming the first event that was changed, removed
  // or reordered. Counts what was checked.
  Status Verify(int64_t* sessions, int64_t* events);

 private:
  explicit Reader(std::unique_ptr<Store> store) : store_(std::move(store)) {}
  std::unique_ptr<Store> store_;
};

}  // namespace pqward::journal
