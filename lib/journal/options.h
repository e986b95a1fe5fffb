// Options of the [journal] config section: where events go and how much of
// each result is kept. Parsed by config/, used by interpose/ and journal/.
#pragma once

#include <string>

namespace pqward::journal {

struct Options {
  std::string path;        // SQLite file; default: $XDG_STATE_HOME/pqward/journal.db
  int capture_rows = 100;  // result rows kept per statement; 0 = metadata only
  bool fail_open = false;  // on_failure = "allow": warn on stderr and go on
};

// The default journal path for this user (XDG state dir, else ~/.local/state).
std::string DefaultPath();

}  // namespace pqward::journal
