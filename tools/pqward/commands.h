// The pqward subcommands. Each returns the process exit code:
// 0 ok, 1 verify failure or session not found, 2 usage/config/journal error.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "journal/reader.h"

namespace pqward::cli {

int Run(const std::string& journal, const std::string& config, std::vector<std::string> command);
int Sessions(const std::string& journal);
int Show(const std::string& journal, const std::string& session);
int Export(const std::string& journal, const std::string& format, const std::string& session);
int Verify(const std::string& journal);

// Prints "pqward: <message>" on stderr and returns `code`.
int Fail(const std::string& message, int code);

// Opens the journal for reading; returns 0 or an exit code (message printed).
int OpenReader(const std::string& path, std::unique_ptr<journal::Reader>* out);

// The one session whose id starts with `prefix`; 0 or an exit code.
int ResolveSession(journal::Reader* reader, const std::string& prefix, journal::SessionRow* out);

// "2026-11-23T22:40:00.123456Z" for microseconds since the epoch.
std::string IsoTime(int64_t us);

}  // namespace pqward::cli
