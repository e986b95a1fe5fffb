// SHA-256 through OpenSSL's SHA256_* functions, and random ids.
#define OPENSSL_SUPPRESS_DEPRECATED  // SHA256_*: see ChainHashTo
#include "journal/chain_hash.h"

#include <openssl/sha.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "journal/recorder.h"

namespace pqward::journal {

namespace {

// Two hex digits per byte from one table lookup (this runs for every event).
constexpr std::array<char, 512> kHexPairs = [] {
  std::array<char, 512> t{};
  const char* digits = "0123456789abcdef";
  for (int i = 0; i < 256; ++i) {
    t[2 * i] = digits[i >> 4];
    t[2 * i + 1] = digits[i & 15];
  }
  return t;
}();

void ToHex(const unsigned char* p, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) std::memcpy(out + 2 * i, &kHexPairs[2 * p[i]], 2);
}

void ToHex(const unsigned char* p, size_t n, std::string* out) {
  out->resize(2 * n);
  ToHex(p, n, out->data());
}

}  // namespace

bool ChainHashTo(std::string_view prev_hash, std::string_view body, char* out) {
  // The SHA256_* functions are deprecated in OpenSSL 3 in favour of EVP, but
  // they run the same code (SHA-NI where the CPU has it) without EVP's
  // provider context, which OpenSSL 3.0 frees and allocates again at every
  // EVP_DigestInit_ex: two allocations per event on the statement's path.
  SHA256_CTX ctx;
  unsigned char md[SHA256_DIGEST_LENGTH];
  bool ok = SHA256_Init(&ctx) == 1 &&
            SHA256_Update(&ctx, prev_hash.data(), prev_hash.size()) == 1 &&
            SHA256_Update(&ctx, body.data(), body.size()) == 1 && SHA256_Final(md, &ctx) == 1;
  if (ok) ToHex(md, sizeof md, out);
  return ok;
}

std::string ChainHash(std::string_view prev_hash, std::string_view body) {
  std::string out(64, '\0');
  if (!ChainHashTo(prev_hash, body, out.data())) out.clear();
  return out;
}

std::string RandomHex(size_t n) {
  unsigned char buf[64];
  if (n > sizeof buf) n = sizeof buf;
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(buf + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  if (got < n) {  // no getrandom: not cryptographic, but still unique enough
    std::random_device rd;
    std::mt19937_64 gen(
        rd() ^ static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    for (size_t i = got; i < n; ++i) buf[i] = static_cast<unsigned char>(gen());
  }
  std::string out;
  ToHex(buf, n, &out);
  return out;
}

std::string NewSessionId() {
  return RandomHex(16);
}

}  // namespace pqward::journal
