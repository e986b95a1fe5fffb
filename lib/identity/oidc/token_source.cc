// Grant selection and caching of access tokens (token_source.h).
#include "identity/oidc/token_source.h"

#include <cstdio>

#include "identity/oidc/jwt.h"
#include "identity/secret_file.h"

namespace pqward::identity {

TokenSource::TokenSource(const Options& opts)
    : opts_(opts),
      client_(opts),
      use_cache_(opts.token_cache != "off" && opts.grant != Grant::kTokenFile),
      cache_(opts.token_cache.empty() || opts.token_cache == "off" ? TokenCache::DefaultPath()
                                                                   : opts.token_cache),
      key_(TokenCache::Key(opts)) {}

bool TokenSource::Usable(const Token& t) const {
  if (t.access_token.empty()) return false;
  if (t.expires_at_s == 0) return false;  // unknown lifetime: never reuse
  return t.expires_at_s - NowSeconds() > opts_.refresh_margin_s;
}

Status TokenSource::Get(bool fresh, Token* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (opts_.grant == Grant::kTokenFile) {
    Token t;
    PQWARD_RETURN_IF_ERROR(
        ReadSecretFile(opts_.token_file, "token_file", &t.access_token).Wrap("identity"));
    if (t.access_token.empty())
      return Status::Identity("token_file " + opts_.token_file + " is empty");
    Jwt jwt;
    if (ParseJwt(t.access_token, &jwt).ok()) {
      t.expires_at_s = ClaimExp(jwt.claims);
      if (t.expires_at_s != 0 && t.expires_at_s <= NowSeconds()) {
        return Status::Identity("token in token_file " + opts_.token_file + " has expired");
      }
    }
    *out = std::move(t);
    return Status::OK();
  }
  Token cached;
  if (!fresh && Usable(memory_)) {
    *out = memory_;
    return Status::OK();
  }
  if (use_cache_ && cache_.Load(key_, &cached).ok() && !fresh && Usable(cached)) {
    memory_ = cached;
    *out = cached;
    return Status::OK();
  }
  Token got;
  PQWARD_RETURN_IF_ERROR(Obtain(cached, &got));
  memory_ = got;
  if (use_cache_) {
    Token stored = got;
    if (opts_.grant != Grant::kDeviceCode) stored.refresh_token.clear();
    cache_.Store(key_, stored);  // a cache write failure only costs a later round trip
  }
  *out = std::move(got);
  return Status::OK();
}

Status TokenSource::Obtain(const Token& cached, Token* out) {
  switch (opts_.grant) {
    case Grant::kClientCredentials:
      return client_.ClientCredentials(out);
    case Grant::kTokenExchange: {
      std::string subject;
      PQWARD_RETURN_IF_ERROR(
          ReadSecretFile(opts_.subject_token_file, "subject_token_file", &subject)
              .Wrap("identity"));
      return client_.TokenExchange(subject, out);
    }
    case Grant::kRefreshToken:
      return FromRefreshFile(out);
    case Grant::kDeviceCode:
      return FromDevice(cached, out);
    case Grant::kTokenFile:
      break;
  }
  return Status::Internal("identity: unexpected grant");
}

Status TokenSource::FromRefreshFile(Token* out) {
  std::string refresh;
  Status st = ReadSecretFile(opts_.refresh_token_file, "refresh_token_file", &refresh);
  if (st.code() == Status::Code::kNotFound) {
    return Status::Identity("no refresh token at " + opts_.refresh_token_file +
                            "; log in first (pqward-psql --login)");
  }
  PQWARD_RETURN_IF_ERROR(st.Wrap("identity"));
  PQWARD_RETURN_IF_ERROR(client_.Refresh(refresh, out));
  if (out->refresh_token != refresh) {  // rotated: keep the new one
    PQWARD_RETURN_IF_ERROR(WriteSecretFile(opts_.refresh_token_file, out->refresh_token + "\n")
                               .Wrap("identity: cannot save rotated refresh token"));
  }
  return Status::OK();
}

Status TokenSource::FromDevice(const Token& cached, Token* out) {
  if (!cached.refresh_token.empty() && client_.Refresh(cached.refresh_token, out).ok()) {
    return Status::OK();
  }
  DeviceAuthorization auth;
  PQWARD_RETURN_IF_ERROR(client_.StartDevice(&auth));
  std::fprintf(stderr, "pqward: to connect, visit %s and enter the code %s\n",
               auth.verification_uri.c_str(), auth.user_code.c_str());
  return client_.PollDevice(auth, out);
}

}  // namespace pqward::identity
