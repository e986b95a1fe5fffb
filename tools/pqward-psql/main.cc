// pqward-psql: psql for humans under pqward. On first use (or --login) it runs
// the OAuth 2.0 device authorization grant (RFC 8628): prints the verification
// URL and user code, polls, and stores the refresh token in the config's
// refresh_token_file (mode 0600). Then it runs psql with libpqward.so
// preloaded; the library obtains broker credentials at connect time through
// the refresh_token grant, so psql never sees a password.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "identity/oidc/client.h"
#include "identity/secret_file.h"
#include "pqward_build_config.h"

namespace {

using pqward::Status;

Status Load(const std::string& path, pqward::Config* config) {
  std::ifstream in(path);
  if (!in) return Status::Config(path + ": cannot open config file");
  std::stringstream text;
  text << in.rdbuf();
  PQWARD_RETURN_IF_ERROR(pqward::ParseConfig(text.str(), path, config));
  const auto& id = config->identity;
  if (!id.present || id.grant != pqward::identity::Grant::kRefreshToken) {
    return Status::Config(path + ": pqward-psql needs [identity] grant = \"refresh_token\"");
  }
  return Status::OK();
}

Status Login(const pqward::identity::Options& opts) {
  pqward::identity::OidcClient client(opts);
  pqward::identity::DeviceAuthorization auth;
  PQWARD_RETURN_IF_ERROR(client.StartDevice(&auth));
  std::fprintf(stderr, "To sign in, open %s and enter the code: %s\n",
               auth.verification_uri.c_str(), auth.user_code.c_str());
  if (!auth.verification_uri_complete.empty()) {
    std::fprintf(stderr, "(or open %s)\n", auth.verification_uri_complete.c_str());
  }
  std::fflush(stderr);
  pqward::identity::Token token;
  PQWARD_RETURN_IF_ERROR(client.PollDevice(auth, &token));
  if (token.refresh_token.empty()) {
    return Status::Identity("the OpenID provider issued no refresh token (offline_access?)");
  }
  PQWARD_RETURN_IF_ERROR(
      pqward::identity::WriteSecretFile(opts.refresh_token_file, token.refresh_token + "\n"));
  std::fprintf(stderr, "Signed in; refresh token saved to %s\n", opts.refresh_token_file.c_str());
  return Status::OK();
}

std::string PreloadPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("PQWARD_LIBRARY");
  if (env != nullptr && *env != '\0') return env;
  std::string installed = std::string(PQWARD_LIBDIR) + "/libpqward.so";
  if (access(installed.c_str(), R_OK) == 0) return installed;
  return std::string(PQWARD_BUILD_LIBDIR) + "/libpqward.so";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pqward-psql: psql with OIDC sign-in (device flow) and broker-issued credentials"};
  std::string config_path, library;
  bool login = false, login_only = false;
  std::vector<std::string> psql_args;
  const char* env_config = std::getenv("PQWARD_CONFIG");
  if (env_config != nullptr) config_path = env_config;
  app.add_option("-c,--config", config_path, "pqward config (default: $PQWARD_CONFIG)");
  app.add_flag("--login", login, "sign in again with the device flow before running psql");
  app.add_flag("--login-only", login_only, "sign in with the device flow and exit");
  app.add_option("--library", library, "libpqward.so to preload (default: installed, then build)");
  app.add_option("psql_args", psql_args, "arguments for psql (after --)");
  CLI11_PARSE(app, argc, argv);
  if (config_path.empty()) {
    std::fprintf(stderr, "pqward-psql: no config: use --config or PQWARD_CONFIG\n");
    return 2;
  }
  pqward::Config config;
  Status st = Load(config_path, &config);
  const auto& id = config.identity;
  if (st.ok() && (login || login_only || access(id.refresh_token_file.c_str(), F_OK) != 0)) {
    st = Login(id);
  }
  if (!st.ok()) {
    std::fprintf(stderr, "pqward-psql: %s\n", st.ToString().c_str());
    return 1;
  }
  if (login_only) return 0;
  std::string preload = PreloadPath(library);
  setenv("LD_PRELOAD", preload.c_str(), 1);
  setenv("PQWARD_CONFIG", config_path.c_str(), 1);
  std::vector<char*> args;
  args.push_back(const_cast<char*>("psql"));
  for (std::string& a : psql_args) args.push_back(a.data());
  args.push_back(nullptr);
  execvp("psql", args.data());
  std::perror("pqward-psql: cannot run psql");
  return 127;
}
