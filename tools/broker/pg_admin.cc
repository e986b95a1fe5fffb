// Role lifecycle statements of pqward-broker (pg_admin.h), over libpq.
#include "pg_admin.h"

#include <libpq-fe.h>

#include <ctime>
#include <memory>
#include <vector>

#include "identity/secret_file.h"

namespace pqward::broker {

namespace {

struct ConnFree {
  void operator()(PGconn* c) const { PQfinish(c); }
};

// Quotes an identifier ("x") or a literal ('x'); standard_conforming_strings
// is on in every supported PostgreSQL, so doubling the quote is sufficient.
std::string Quote(const std::string& s, bool ident) {
  char q = ident ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == '\0') continue;
    if (c == q) out += q;
    out += c;
  }
  return out + q;
}

std::string Ident(const std::string& s) {
  return Quote(s, true);
}
std::string Literal(const std::string& s) {
  return Quote(s, false);
}

}  // namespace

std::string Timestamp(int64_t epoch_s) {
  time_t t = static_cast<time_t>(epoch_s);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[40];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S+00", &tm);
  return buf;
}

PgAdmin::PgAdmin(std::string conninfo, std::string password_file)
    : conninfo_(std::move(conninfo)), password_file_(std::move(password_file)) {}

// Runs the statements in order on one admin connection; stops at the first error.
Status PgAdmin::Run(const std::vector<std::string>& sql, int* rows_affected) {
  std::string password;
  if (!password_file_.empty()) {
    PQWARD_RETURN_IF_ERROR(
        identity::ReadSecretFile(password_file_, "database password_file", &password));
  }
  const char* keys[] = {"dbname", "password", "connect_timeout", nullptr};
  const char* values[] = {conninfo_.c_str(), password.empty() ? nullptr : password.c_str(), "10",
                          nullptr};
  std::unique_ptr<PGconn, ConnFree> conn(PQconnectdbParams(keys, values, 1));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    std::string err = PQerrorMessage(conn.get());
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return Status::Broker("admin connection to PostgreSQL failed: " + err);
  }
  for (const std::string& s : sql) {
    PGresult* r = PQexec(conn.get(), s.c_str());
    ExecStatusType st = PQresultStatus(r);
    if (rows_affected != nullptr && st == PGRES_TUPLES_OK) *rows_affected += PQntuples(r);
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      while (!err.empty() && err.back() == '\n') err.pop_back();
      return Status::Broker("PostgreSQL: " + err);
    }
  }
  return Status::OK();
}

Status PgAdmin::CreateRole(const std::string& role, const std::string& password,
                           int64_t valid_until, const std::string& group_role) {
  std::string sql = "CREATE ROLE " + Ident(role) + " LOGIN PASSWORD " + Literal(password) +
                    " VALID UNTIL " + Literal(Timestamp(valid_until)) + " IN ROLE " +
                    Ident(group_role);
  return Run({sql});
}

Status PgAdmin::SetValidUntil(const std::string& role, int64_t valid_until) {
  return Run({"ALTER ROLE " + Ident(role) + " VALID UNTIL " + Literal(Timestamp(valid_until))});
}

Status PgAdmin::DropRole(const std::string& role, int* terminated) {
  std::string ident = Ident(role);
  std::string lit = Literal(role);
  *terminated = 0;
  std::string exists = "SELECT 1 FROM pg_roles WHERE rolname = " + lit;
  int found = 0;
  PQWARD_RETURN_IF_ERROR(Run({exists}, &found));
  if (found == 0) return Status::OK();  // already gone
  return Run({"ALTER ROLE " + ident + " NOLOGIN",
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = " + lit,
              "DROP OWNED BY " + ident, "DROP ROLE " + ident},
             terminated);
}

}  // namespace pqward::broker
