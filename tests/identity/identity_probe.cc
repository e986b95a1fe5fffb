// identity_probe: a test driver for the identity API without interposition.
// Loads PQWARD_CONFIG, asks identity::Provider for credentials for the target
// given on the command line and prints one JSON line (including the password:
// this program exists only for the integration tests). Exit 1 with the Status
// on stderr when the provider refuses.
//   identity_probe [--renew] [--repeat N] host port dbname [user]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "identity/identity.h"

int main(int argc, char** argv) {
  bool renew = false;
  int repeat = 1;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    if (std::strcmp(argv[i], "--renew") == 0) renew = true;
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = std::atoi(argv[++i]);
  }
  if (argc - i < 3) {
    std::fprintf(stderr, "usage: identity_probe [--renew] [--repeat N] host port dbname [user]\n");
    return 2;
  }
  pqward::identity::Target t{argv[i], argv[i + 1], argv[i + 2], argc - i > 3 ? argv[i + 3] : "",
                             ""};
  // ParseConfig of PQWARD_CONFIG (not LoadConfig: the journal defaults are not needed here).
  pqward::Config config;
  const char* file = std::getenv("PQWARD_CONFIG");
  std::ifstream in(file != nullptr ? file : "");
  std::stringstream text;
  text << in.rdbuf();
  pqward::Status st = in ? pqward::ParseConfig(text.str(), file, &config)
                         : pqward::Status::Config("set PQWARD_CONFIG to a readable file");
  std::unique_ptr<pqward::identity::Provider> provider;
  if (st.ok()) st = pqward::identity::Provider::Create(config.identity, &provider);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  nlohmann::json out = {{"matches", provider->Matches(t)}};
  pqward::identity::Credentials creds;
  pqward::identity::Actor actor;
  auto start = std::chrono::steady_clock::now();
  for (int n = 0; n < repeat && st.ok(); ++n) st = provider->GetCredentials(t, &creds, &actor);
  if (st.ok() && renew) {
    out["first_expires_at_us"] = creds.expires_at_us;
    st = provider->RenewForReset(t, &creds);
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    std::fprintf(stderr, "elapsed_ms=%.0f\n", ms);
    return 1;
  }
  out["username"] = creds.username;
  out["password"] = creds.password;
  out["lease_id"] = creds.lease_id;
  out["expires_at_us"] = creds.expires_at_us;
  out["actor"] = {{"issuer", actor.issuer},
                  {"subject", actor.subject},
                  {"client_id", actor.client_id},
                  {"groups", actor.groups}};
  out["elapsed_ms"] = ms;
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
