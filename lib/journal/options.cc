// Where the journal lives by default: the XDG state directory of the user.
#include "journal/options.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace pqward::journal {

std::string DefaultPath() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state != nullptr && state[0] == '/') return std::string(state) + "/pqward/journal.db";
  const char* home = std::getenv("HOME");
  std::string dir = home != nullptr && *home != '\0' ? home : "";
  if (dir.empty()) {
    struct passwd pw;
    struct passwd* found = nullptr;
    char buf[4096];
    if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &found) == 0 && found != nullptr) {
      dir = found->pw_dir;
    }
  }
  if (dir.empty()) dir = "/tmp";
  return dir + "/.local/state/pqward/journal.db";
}

}  // namespace pqward::journal
