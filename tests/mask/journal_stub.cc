// Weak stand-in for journal::DefaultPath, which config.cc references, for as
// long as lib/journal does not yet build it into the internal library. A real
// definition (strong) replaces this one at link time.
#include <string>

#include "journal/options.h"

namespace pqward::journal {

__attribute__((weak)) std::string DefaultPath() {
  return "/nonexistent/journal.db";
}

}  // namespace pqward::journal
