// ConnectArgs: every connection entry point's arguments as one keyword/value
// list, so identity can be injected the same way whichever call the program
// used (PQconnectdb's string, PQconnectdbParams' arrays, PQsetdbLogin's
// positional arguments). Parsing is libpq's own (PQconninfoParse).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace pqward::interpose {

class ConnectArgs {
 public:
  static Status FromConninfo(const char* conninfo, ConnectArgs* out);
  static Status FromParams(const char* const* keywords, const char* const* values,
                           int expand_dbname, ConnectArgs* out);
  static Status FromSetdbLogin(const char* host, const char* port, const char* options,
                               const char* tty, const char* db, const char* login, const char* pwd,
                               ConnectArgs* out);

  // The value of `key`, else the libpq environment variable `env`, else "".
  std::string Get(const std::string& key, const char* env = nullptr) const;
  bool Has(const std::string& key) const;
  void Set(const std::string& key, const std::string& value);
  void Erase(const std::string& key);

  // NULL-terminated arrays for PQconnectdbParams/PQconnectStartParams
  // (expand_dbname 0). Valid while this object lives and is not modified.
  void Arrays(const char* const** keywords, const char* const** values);

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::vector<const char*> keyword_ptrs_;
  std::vector<const char*> value_ptrs_;
};

}  // namespace pqward::interpose
