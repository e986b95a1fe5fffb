// Config: the whole pqward configuration, loaded once per process from the TOML
// file named by PQWARD_CONFIG (no file: embedded defaults), then PQWARD_JOURNAL.
// Unknown tables and keys are errors, reported with file and line, so that a
// typo never silently disables masking or recording.
#pragma once

#include <string>
#include <string_view>

#include "identity/options.h"
#include "journal/options.h"
#include "mask/options.h"
#include "util/status.h"

namespace pqward {

struct Config {
  std::string source = "<defaults>";  // file the config came from
  journal::Options journal;
  mask::Options mask;
  identity::Options identity;
};

// Loads from the environment (PQWARD_CONFIG, PQWARD_JOURNAL) and defaults.
Status LoadConfig(Config* out);

// Parses TOML text; `source` names it in error messages ("file:line: ...").
Status ParseConfig(std::string_view text, const std::string& source, Config* out);

}  // namespace pqward
