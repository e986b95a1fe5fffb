// The HMAC key of the `hash` strategy: read once from a file that only its
// owner may read (mode 0600 or stricter), so pseudonyms stay stable across
// sessions and processes without the key ever appearing in the config.
#pragma once

#include <string>

#include "util/status.h"

namespace pqward::mask {

// Reads the key (trailing newlines dropped, at least 16 bytes). Refuses a
// missing file, a non-regular file and any group or other permission bit.
// Errors say which file and why, never the key.
Status ReadKeyFile(const std::string& path, std::string* key);

}  // namespace pqward::mask
