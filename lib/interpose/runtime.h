// Runtime: what the core sets up once per process on the first connection:
// the config, then the journal recorder. A config or journal that cannot be
// used refuses every connection with its Status (fail closed), unless
// [journal] on_failure = "allow".
#pragma once

#include <string>

#include "config/config.h"
#include "journal/recorder.h"
#include "util/status.h"

namespace pqward::interpose {

// The process config, loaded on first call; *status says why it is unusable.
const Config& GetConfig(Status* status);

// The process recorder (a forked child gets its own); thread-safe.
Status GetRecorder(journal::Recorder** out);

// Writes "pqward: <message>" to stderr, at most once per distinct message.
void WarnOnce(const std::string& message);

}  // namespace pqward::interpose
