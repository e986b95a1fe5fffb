// Secret files of the identity code: client secrets, private keys, tokens and
// the token cache. Reading refuses files that group or others can access (the
// "0600 rule") and files owned by another user; writing is atomic (temporary
// file + rename) and creates mode 0600. Contents are never logged.
#pragma once

#include <string>

#include "util/status.h"

namespace pqward::identity {

// Checks that `path` is a regular file, owned by this user, with no group or
// other permission bits. `what` names the file's role in messages.
Status CheckSecretFileMode(const std::string& path, const std::string& what);

// Reads a secret file after CheckSecretFileMode; trailing whitespace trimmed.
Status ReadSecretFile(const std::string& path, const std::string& what, std::string* out);

// Creates the parent directory of `path` (and its parents, mode 0700) if missing.
void MakeParentDir(const std::string& path);

// Writes `content` to `path` atomically with mode 0600, creating the parent
// directory (mode 0700) when missing.
Status WriteSecretFile(const std::string& path, const std::string& content);

}  // namespace pqward::identity
