// JSON Web Tokens (RFC 7519) as pqward needs them: decoding claims, verifying
// RS256/ES256 JWS signatures (RFC 7515, RFC 7518) against a JWK Set (RFC 7517),
// checking iss/aud/exp/nbf, and signing client assertions for private_key_jwt
// (RFC 7523). Used by the OIDC client and by the reference broker.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace pqward::identity {

std::string Base64UrlEncode(std::string_view in);
// Accepts unpadded base64url; false on bad input.
bool Base64UrlDecode(std::string_view in, std::string* out);

struct Jwt {
  nlohmann::json header;      // decoded JOSE header
  nlohmann::json claims;      // decoded payload
  std::string signing_input;  // "<b64 header>.<b64 payload>"
  std::string signature;      // raw signature bytes
};

// Splits and decodes a compact JWS; no signature check.
Status ParseJwt(std::string_view token, Jwt* out);

// Verifies the signature with the key of matching "kid" (or the only key of a
// matching type) in `jwks` ({"keys": [...]}); alg must be RS256 or ES256.
Status VerifyJwtSignature(const Jwt& jwt, const nlohmann::json& jwks);

struct ClaimChecks {
  std::string issuer;    // required "iss"
  std::string audience;  // must appear in "aud" (string or array); empty = not checked
  int64_t now_s = 0;     // current time, seconds since the epoch
  int leeway_s = 60;     // clock skew allowed on exp/nbf/iat
};
// Checks iss, aud, exp (required), nbf and iat.
Status CheckJwtClaims(const Jwt& jwt, const ClaimChecks& checks);

// Claim as string ("" when absent or not a string).
std::string ClaimString(const nlohmann::json& claims, const char* name);
// "exp" claim, 0 when absent.
int64_t ClaimExp(const nlohmann::json& claims);

// Signs `claims` with the PEM private key in key_pem (RSA -> RS256, P-256 -> ES256).
Status SignJwt(const nlohmann::json& claims, const std::string& key_pem, const std::string& kid,
               std::string* out);

}  // namespace pqward::identity
