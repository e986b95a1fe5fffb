// PostgreSQL role management for pqward-broker over libpq: creating a login
// role for a lease, moving its VALID UNTIL on renewal, and revoking it
// (NOLOGIN, terminate its sessions, drop owned objects, DROP ROLE), the way
// Vault's PostgreSQL plugin does plus the session termination Vault lacks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace pqward::broker {

class PgAdmin {
 public:
  PgAdmin(std::string conninfo, std::string password_file);

  Status CreateRole(const std::string& role, const std::string& password, int64_t valid_until,
                    const std::string& group_role);
  Status SetValidUntil(const std::string& role, int64_t valid_until);
  // Terminates the role's sessions and drops it; *terminated gets the session count.
  Status DropRole(const std::string& role, int* terminated);

 private:
  Status Run(const std::vector<std::string>& sql, int* rows_affected = nullptr);

  std::string conninfo_, password_file_;
};

// "YYYY-MM-DD HH:MM:SS+00" for VALID UNTIL.
std::string Timestamp(int64_t epoch_s);

}  // namespace pqward::broker
