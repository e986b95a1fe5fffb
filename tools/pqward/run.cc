// pqward run: checks the config and the journal, then execs the program with
// the shim preloaded and the drop-in libpq.so.5 first on the library path, so
// the program's exit code and signals are its own.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "commands.h"
#include "config/config.h"
#include "journal/recorder.h"
#include "pqward_build_config.h"

namespace pqward::cli {

namespace {

bool Exists(const std::string& path) {
  return access(path.c_str(), F_OK) == 0;
}

// Where libpqward.so lives: PQWARD_LIBDIR, the build tree, or the install.
std::string LibDir() {
  const char* env = std::getenv("PQWARD_LIBDIR");
  if (env != nullptr && *env != '\0') return env;
  if (Exists(std::string(PQWARD_BUILD_LIBDIR) + "/libpqward.so")) return PQWARD_BUILD_LIBDIR;
  return PQWARD_LIBDIR;
}

void Prepend(const char* var, const std::string& value) {
  const char* old = std::getenv(var);
  std::string joined = (old != nullptr && *old != '\0') ? value + ":" + old : value;
  setenv(var, joined.c_str(), 1);
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.string();
}

}  // namespace

int Run(const std::string& journal, const std::string& config, std::vector<std::string> command) {
  if (!config.empty()) setenv("PQWARD_CONFIG", Absolute(config).c_str(), 1);
  if (!journal.empty()) setenv("PQWARD_JOURNAL", Absolute(journal).c_str(), 1);
  Config cfg;
  Status st = LoadConfig(&cfg);
  if (!st.ok()) return Fail(st.message(), 2);
  st = journal::CheckJournal(cfg.journal.path);
  if (!st.ok() && !cfg.journal.fail_open) return Fail(st.message(), 2);
  setenv("PQWARD_JOURNAL", Absolute(cfg.journal.path).c_str(), 1);
  std::string libdir = LibDir();
  std::string shim = libdir + "/libpqward.so";
  if (!Exists(shim)) return Fail(shim + " not found (set PQWARD_LIBDIR)", 2);
  std::string dropin = Exists(libdir + "/dropin") ? libdir + "/dropin" : libdir + "/pqward/dropin";
  Prepend("LD_PRELOAD", shim);
  Prepend("LD_LIBRARY_PATH", dropin);
  std::vector<char*> argv;
  for (std::string& arg : command) argv.push_back(arg.data());
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  return Fail(command[0] + ": " + std::strerror(errno), 127);
}

}  // namespace pqward::cli
