// JWT decoding, RS256/ES256 verification against a JWK Set and signing
// (RFC 7515, 7517, 7518, 7519, 7523), over OpenSSL 3's EVP interface.
#include "identity/oidc/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <memory>

namespace pqward::identity {

using nlohmann::json;

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Free>;

bool DecodeJsonPart(std::string_view part, json* out) {
  std::string raw;
  if (!Base64UrlDecode(part, &raw)) return false;
  *out = json::parse(raw, nullptr, false);
  return !out->is_discarded() && out->is_object();
}

Ptr<BIGNUM> Bn(const json& jwk, const char* name) {
  std::string raw;
  if (!jwk.contains(name) || !jwk[name].is_string() ||
      !Base64UrlDecode(jwk[name].get<std::string>(), &raw) || raw.empty()) {
    return nullptr;
  }
  return Ptr<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()),
                               static_cast<int>(raw.size()), nullptr));
}

// Public key from a JWK (kty RSA, or EC on P-256).
Ptr<EVP_PKEY> KeyFromJwk(const json& jwk) {
  std::string kty = ClaimString(jwk, "kty");
  Ptr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  const char* type = nullptr;
  Ptr<BIGNUM> n, e;
  std::string point;
  if (kty == "RSA") {
    n = Bn(jwk, "n");
    e = Bn(jwk, "e");
    if (!n || !e) return nullptr;
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
    type = "RSA";
  } else if (kty == "EC" && ClaimString(jwk, "crv") == "P-256") {
    std::string x, y;
    if (!Base64UrlDecode(ClaimString(jwk, "x"), &x) ||
        !Base64UrlDecode(ClaimString(jwk, "y"), &y) || x.size() != 32 || y.size() != 32) {
      return nullptr;
    }
    point = std::string(1, '\x04') + x + y;
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
    type = "EC";
  } else {
    return nullptr;
  }
  Ptr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    return nullptr;
  }
  return Ptr<EVP_PKEY>(key);
}

// JWS ES256 signatures are r||s (32 bytes each); OpenSSL wants DER.
bool RawToDer(const std::string& raw, std::string* der) {
  if (raw.size() != 64) return false;
  Ptr<ECDSA_SIG> sig(ECDSA_SIG_new());
  auto* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  auto* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* buf = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &buf);
  if (len <= 0) return false;
  der->assign(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
  OPENSSL_free(buf);
  return true;
}

bool DerToRaw(const std::string& der, std::string* raw) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Ptr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return false;
  unsigned char buf[64];
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), buf, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), buf + 32, 32) != 32) {
    return false;
  }
  raw->assign(reinterpret_cast<char*>(buf), 64);
  return true;
}

bool Verify(EVP_PKEY* key, const std::string& data, const std::string& sig) {
  Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

bool AudienceHas(const json& aud, const std::string& want) {
  if (aud.is_string()) return aud.get<std::string>() == want;
  if (!aud.is_array()) return false;
  for (const json& a : aud) {
    if (a.is_string() && a.get<std::string>() == want) return true;
  }
  return false;
}

}  // namespace

std::string Base64UrlEncode(std::string_view in) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

bool Base64UrlDecode(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '-' || c == '+')
      v = 62;
    else if (c == '_' || c == '/')
      v = 63;
    else if (c == '=')
      break;
    else
      return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return bits < 6;
}

Status ParseJwt(std::string_view token, Jwt* out) {
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return Status::Identity("token is not a JWT (expected three dot-separated parts)");
  }
  if (!DecodeJsonPart(token.substr(0, d1), &out->header) ||
      !DecodeJsonPart(token.substr(d1 + 1, d2 - d1 - 1), &out->claims)) {
    return Status::Identity("token is not a JWT (header or claims are not base64url JSON)");
  }
  if (!Base64UrlDecode(token.substr(d2 + 1), &out->signature)) {
    return Status::Identity("token is not a JWT (bad signature encoding)");
  }
  out->signing_input = std::string(token.substr(0, d2));
  return Status::OK();
}

Status VerifyJwtSignature(const Jwt& jwt, const json& jwks) {
  std::string alg = ClaimString(jwt.header, "alg");
  std::string kty = alg == "RS256" ? "RSA" : alg == "ES256" ? "EC" : "";
  if (kty.empty()) return Status::Identity("JWT alg '" + alg + "' is not RS256 or ES256");
  std::string kid = ClaimString(jwt.header, "kid");
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
    return Status::Identity("JWKS has no keys");
  }
  std::string sig = jwt.signature;
  if (kty == "EC" && !RawToDer(jwt.signature, &sig)) {
    return Status::Identity("JWT ES256 signature is malformed");
  }
  bool found = false;
  for (const json& jwk : jwks["keys"]) {
    if (!jwk.is_object() || ClaimString(jwk, "kty") != kty) continue;
    if (!kid.empty() && ClaimString(jwk, "kid") != kid) continue;
    std::string use = ClaimString(jwk, "use");
    if (!use.empty() && use != "sig") continue;
    Ptr<EVP_PKEY> key = KeyFromJwk(jwk);
    if (!key) continue;
    found = true;
    if (Verify(key.get(), jwt.signing_input, sig)) return Status::OK();
  }
  if (!found) return Status::Identity("no JWKS key matches the JWT (kid '" + kid + "')");
  return Status::Identity("JWT signature does not verify");
}

Status CheckJwtClaims(const Jwt& jwt, const ClaimChecks& c) {
  const json& cl = jwt.claims;
  std::string iss = ClaimString(cl, "iss");
  if (iss != c.issuer) {
    return Status::Identity("JWT issuer '" + iss + "' is not the expected '" + c.issuer + "'");
  }
  if (!c.audience.empty() && (!cl.contains("aud") || !AudienceHas(cl["aud"], c.audience))) {
    return Status::Identity("JWT audience does not include '" + c.audience + "'");
  }
  if (!cl.contains("exp") || !cl["exp"].is_number()) {
    return Status::Identity("JWT has no exp claim");
  }
  if (ClaimExp(cl) + c.leeway_s < c.now_s) return Status::Identity("JWT has expired");
  if (cl.contains("nbf") && cl["nbf"].is_number() &&
      cl["nbf"].get<double>() > static_cast<double>(c.now_s + c.leeway_s)) {
    return Status::Identity("JWT is not yet valid (nbf)");
  }
  if (cl.contains("iat") && cl["iat"].is_number() &&
      cl["iat"].get<double>() > static_cast<double>(c.now_s + c.leeway_s)) {
    return Status::Identity("JWT was issued in the future (iat)");
  }
  return Status::OK();
}

std::string ClaimString(const json& claims, const char* name) {
  if (!claims.is_object()) return "";
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t ClaimExp(const json& claims) {
  if (!claims.is_object()) return 0;
  auto it = claims.find("exp");
  return it != claims.end() && it->is_number() ? static_cast<int64_t>(it->get<double>()) : 0;
}

Status SignJwt(const json& claims, const std::string& key_pem, const std::string& kid,
               std::string* out) {
  Ptr<BIO> bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  Ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return Status::Identity("private key is not a PEM private key");
  bool ec = EVP_PKEY_is_a(key.get(), "EC");
  if (!ec && !EVP_PKEY_is_a(key.get(), "RSA")) {
    return Status::Identity("private key must be RSA (RS256) or EC P-256 (ES256)");
  }
  json header = {{"alg", ec ? "ES256" : "RS256"}, {"typ", "JWT"}};
  if (!kid.empty()) header["kid"] = kid;
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return Status::Identity("cannot sign client assertion");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Status::Identity("cannot sign client assertion");
  }
  sig.resize(len);
  if (ec && !DerToRaw(sig, &sig)) return Status::Identity("cannot encode ES256 signature");
  *out = input + "." + Base64UrlEncode(sig);
  return Status::OK();
}

}  // namespace pqward::identity
