// Temporary files of the unit tests: every directory they ask for lies under
// one root per test process, removed with everything in it when the process
// exits, so that test runs leave nothing behind in /tmp.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace testutil {

// A fresh, empty directory of its own.
inline std::string NewTempDir() {
  struct Root {
    std::string path;
    Root() {
      char tmpl[] = "/tmp/pqward-test-XXXXXX";
      if (mkdtemp(tmpl) != nullptr) path = tmpl;
    }
    ~Root() {
      std::error_code ignored;
      if (!path.empty()) std::filesystem::remove_all(path, ignored);
    }
  };
  static Root root;
  std::string tmpl = root.path + "/XXXXXX";
  return mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
}

}  // namespace testutil
