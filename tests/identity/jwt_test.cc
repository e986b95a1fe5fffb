// JWT decoding, signing and verification (lib/identity/oidc/jwt.cc) with keys
// generated in the test, for both RS256 and ES256.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <catch2/catch.hpp>

#include <memory>

#include "identity/identity.h"
#include "identity/oidc/jwt.h"

using namespace pqward::identity;
using nlohmann::json;

namespace {

// A fresh key as PEM and as a public JWK.
void MakeKey(bool ec, std::string* pem, json* jwk) {
  EVP_PKEY* key = ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
  REQUIRE(key != nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  pem->assign(data, static_cast<size_t>(len));
  BIO_free(bio);
  auto bn = [&](const char* name) {
    BIGNUM* b = nullptr;
    EVP_PKEY_get_bn_param(key, name, &b);
    std::string raw(static_cast<size_t>(BN_num_bytes(b)), '\0');
    BN_bn2bin(b, reinterpret_cast<unsigned char*>(raw.data()));
    BN_free(b);
    return Base64UrlEncode(raw);
  };
  if (ec) {
    unsigned char pub[65];
    size_t n = 0;
    EVP_PKEY_get_octet_string_param(key, "pub", pub, sizeof pub, &n);
    REQUIRE(n == 65);
    *jwk = {{"kty", "EC"},
            {"crv", "P-256"},
            {"kid", "k1"},
            {"x", Base64UrlEncode(std::string(reinterpret_cast<char*>(pub) + 1, 32))},
            {"y", Base64UrlEncode(std::string(reinterpret_cast<char*>(pub) + 33, 32))}};
  } else {
    *jwk = {{"kty", "RSA"}, {"kid", "k1"}, {"n", bn("n")}, {"e", bn("e")}};
  }
  EVP_PKEY_free(key);
}

json Claims(int64_t now) {
  return {{"iss", "https://idp"},
          {"aud", json::array({"https://broker"})},
          {"sub", "agent"},
          {"client_id", "nightly-agent"},
          {"groups", {"agents", "dba"}},
          {"exp", now + 300},
          {"iat", now}};
}

// A fresh key (its public JWK in *jwk) and a token it signed with
// Claims(now), parsed into *jwt; the token's text in *token when asked.
void SignedToken(bool ec, int64_t now, const char* kid, json* jwk, Jwt* jwt,
                 std::string* token = nullptr) {
  std::string pem, text;
  MakeKey(ec, &pem, jwk);
  REQUIRE(SignJwt(Claims(now), pem, kid, &text).ok());
  REQUIRE(ParseJwt(text, jwt).ok());
  if (token != nullptr) *token = text;
}

}  // namespace

TEST_CASE("base64url round trip", "[identity][jwt]") {
  for (std::string s : {"", "f", "fo", "foo", "foob", "\xff\xfe\x00x"}) {
    std::string back;
    REQUIRE(Base64UrlDecode(Base64UrlEncode(s), &back));
    CHECK(back == s);
  }
  std::string out;
  CHECK_FALSE(Base64UrlDecode("a*b", &out));
}

TEST_CASE("signed tokens verify with RS256 and ES256; tampering is caught", "[identity][jwt]") {
  for (bool ec : {false, true}) {
    json jwk;
    Jwt jwt;
    int64_t now = 1700000000;
    SignedToken(ec, now, "k1", &jwk, &jwt);
    CHECK(ClaimString(jwt.header, "alg") == (ec ? "ES256" : "RS256"));
    json jwks = {{"keys", json::array({jwk})}};
    CHECK(VerifyJwtSignature(jwt, jwks).ok());
    CHECK(CheckJwtClaims(jwt, {"https://idp", "https://broker", now, 30}).ok());

    Jwt bad = jwt;
    bad.signing_input += "x";
    CHECK(VerifyJwtSignature(bad, jwks).message() == "JWT signature does not verify");
    std::string other_pem;
    json other;
    MakeKey(ec, &other_pem, &other);
    CHECK_FALSE(VerifyJwtSignature(jwt, json{{"keys", json::array({other})}}).ok());
  }
}

TEST_CASE("claim checks: issuer, audience, expiry, nbf", "[identity][jwt]") {
  json jwk;
  Jwt jwt;
  int64_t now = 1700000000;
  SignedToken(false, now, "", &jwk, &jwt);
  CHECK(CheckJwtClaims(jwt, {"https://other", "", now, 30}).message().find("issuer") !=
        std::string::npos);
  CHECK(CheckJwtClaims(jwt, {"https://idp", "https://elsewhere", now, 30}).message() ==
        "JWT audience does not include 'https://elsewhere'");
  CHECK(CheckJwtClaims(jwt, {"https://idp", "", now + 329, 30}).ok());
  CHECK(CheckJwtClaims(jwt, {"https://idp", "", now + 331, 30}).message() == "JWT has expired");
  jwt.claims["nbf"] = now + 100;
  CHECK(CheckJwtClaims(jwt, {"https://idp", "", now, 30}).message() ==
        "JWT is not yet valid (nbf)");
}

TEST_CASE("malformed tokens are refused, not crashed on", "[identity][jwt]") {
  Jwt jwt;
  CHECK_FALSE(ParseJwt("", &jwt).ok());
  CHECK_FALSE(ParseJwt("a.b", &jwt).ok());
  CHECK_FALSE(ParseJwt("a.b.c.d", &jwt).ok());
  CHECK_FALSE(ParseJwt("e30.bm90IGpzb24.", &jwt).ok());  // payload "not json"
  REQUIRE(ParseJwt("eyJhbGciOiJub25lIn0.e30.", &jwt).ok());
  CHECK(VerifyJwtSignature(jwt, json{{"keys", json::array()}}).message() ==
        "JWT alg 'none' is not RS256 or ES256");
}

TEST_CASE("actor comes from the token claims", "[identity][jwt]") {
  json jwk;
  Jwt jwt;
  std::string token;
  SignedToken(true, 1700000000, "", &jwk, &jwt, &token);
  Actor a;
  REQUIRE(ActorFromToken(token, &a).ok());
  CHECK(a.issuer == "https://idp");
  CHECK(a.subject == "agent");
  CHECK(a.client_id == "nightly-agent");
  CHECK(a.groups == std::vector<std::string>{"agents", "dba"});
}
