// Normalising connection arguments; see connect_args.h.
#include "interpose/connect_args.h"

#include <cstdlib>
#include <cstring>

#include "interpose/real.h"

namespace pqward::interpose {

namespace {

// Adds every option libpq parsed out of a connection string or URI.
Status AddParsed(const char* conninfo, ConnectArgs* out) {
  char* err = nullptr;
  PQconninfoOption* opts = Real().PQconninfoParse(conninfo, &err);
  if (opts == nullptr) {
    std::string message = err != nullptr ? err : "invalid connection string";
    if (err != nullptr) Real().PQfreemem(err);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Status::Config(message);
  }
  for (PQconninfoOption* o = opts; o->keyword != nullptr; o++) {
    if (o->val != nullptr) out->Set(o->keyword, o->val);
  }
  Real().PQconninfoFree(opts);
  return Status::OK();
}

bool LooksLikeConninfo(const char* s) {
  return std::strchr(s, '=') != nullptr || std::strncmp(s, "postgresql://", 13) == 0 ||
         std::strncmp(s, "postgres://", 11) == 0;
}

}  // namespace

Status ConnectArgs::FromConninfo(const char* conninfo, ConnectArgs* out) {
  *out = ConnectArgs();
  return AddParsed(conninfo != nullptr ? conninfo : "", out);
}

Status ConnectArgs::FromParams(const char* const* keywords, const char* const* values,
                               int expand_dbname, ConnectArgs* out) {
  *out = ConnectArgs();
  bool expanded = false;
  for (int i = 0; keywords != nullptr && keywords[i] != nullptr; i++) {
    const char* value = values[i];
    if (value == nullptr || *value == '\0') continue;  // libpq ignores empty values
    std::string key = keywords[i];
    if (key == "dbname" && expand_dbname && !expanded && LooksLikeConninfo(value)) {
      expanded = true;
      PQWARD_RETURN_IF_ERROR(AddParsed(value, out));
      continue;
    }
    out->Set(key, value);
  }
  return Status::OK();
}

Status ConnectArgs::FromSetdbLogin(const char* host, const char* port, const char* options,
                                   const char* tty, const char* db, const char* login,
                                   const char* pwd, ConnectArgs* out) {
  *out = ConnectArgs();
  if (db != nullptr && LooksLikeConninfo(db)) {
    PQWARD_RETURN_IF_ERROR(AddParsed(db, out));
  } else if (db != nullptr && *db != '\0') {
    out->Set("dbname", db);
  }
  const std::pair<const char*, const char*> rest[] = {
      {"host", host}, {"port", port}, {"options", options}, {"user", login}, {"password", pwd}};
  for (const auto& [key, value] : rest) {
    if (value != nullptr && *value != '\0') out->Set(key, value);
  }
  (void)tty;  // ignored by libpq since 7.4
  return Status::OK();
}

std::string ConnectArgs::Get(const std::string& key, const char* env) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  const char* e = env != nullptr ? std::getenv(env) : nullptr;
  return e != nullptr ? e : "";
}

bool ConnectArgs::Has(const std::string& key) const {
  for (const auto& entry : entries_) {
    if (entry.first == key) return true;
  }
  return false;
}

void ConnectArgs::Set(const std::string& key, const std::string& value) {
  for (auto& entry : entries_) {
    if (entry.first == key) {
      entry.second = value;
      return;
    }
  }
  entries_.emplace_back(key, value);
}

void ConnectArgs::Erase(const std::string& key) {
  std::erase_if(entries_, [&](const auto& e) { return e.first == key; });
}

void ConnectArgs::Arrays(const char* const** keywords, const char* const** values) {
  keyword_ptrs_.clear();
  value_ptrs_.clear();
  for (const auto& [k, v] : entries_) {
    keyword_ptrs_.push_back(k.c_str());
    value_ptrs_.push_back(v.c_str());
  }
  keyword_ptrs_.push_back(nullptr);
  value_ptrs_.push_back(nullptr);
  *keywords = keyword_ptrs_.data();
  *values = value_ptrs_.data();
}

}  // namespace pqward::interpose
