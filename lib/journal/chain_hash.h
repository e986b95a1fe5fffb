// The hash chain primitive and the small random/hex helpers of the journal.
// hash = hex SHA-256(prev_hash || canonical json), with prev_hash as its 64
// hex characters ("" for the first event of a session).
#pragma once

#include <string>
#include <string_view>

namespace pqward::journal {

// Lowercase hex SHA-256 of a || b (OpenSSL). Returns "" only if OpenSSL fails.
std::string ChainHash(std::string_view prev_hash, std::string_view body);

// The same, written as 64 hex digits to out[0..63]; false if OpenSSL fails.
bool ChainHashTo(std::string_view prev_hash, std::string_view body, char* out);

// `n` random bytes as 2n lowercase hex digits (getrandom(2)).
std::string RandomHex(size_t n);

}  // namespace pqward::journal
