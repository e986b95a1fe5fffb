// Property tests of the candidate checks: generated valid values pass,
// the same values with one check digit changed fail.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "mask/validators.h"

using namespace pqward::mask;

namespace {

// The Luhn check digit for `body` (digits only).
char LuhnDigit(const std::string& body) {
  for (char d = '0'; d <= '9'; ++d) {
    if (LuhnValid(body + d)) return d;
  }
  return '?';
}

std::string RandomDigits(std::mt19937& rng, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
  return s;
}

}  // namespace

TEST_CASE("Luhn: valid card numbers pass, one changed digit fails", "[mask][validators]") {
  std::mt19937 rng(42);
  for (int i = 0; i < 500; ++i) {
    size_t len = 13 + rng() % 7;
    std::string body =
        std::string(1, static_cast<char>('2' + rng() % 5)) + RandomDigits(rng, len - 2);
    std::string card = body + LuhnDigit(body);
    CHECK(CardNumberValid(card));
    std::string bad = card;
    bad.back() = static_cast<char>('0' + (bad.back() - '0' + 1 + rng() % 9) % 10);
    CHECK_FALSE(CardNumberValid(bad));
  }
  CHECK(CardNumberValid("4111 1111 1111 1111"));
  CHECK(CardNumberValid("4111-1111-1111-1111"));
  CHECK_FALSE(CardNumberValid("4111-1111 1111-1111"));  // mixed separators
  CHECK_FALSE(CardNumberValid("1111111111111117"));     // issuer prefix 1
  CHECK_FALSE(CardNumberValid("2222222222222222"));     // one repeated digit
  CHECK_FALSE(CardNumberValid("411111111111"));         // 12 digits
}

TEST_CASE("IBAN: mod-97 and country length", "[mask][validators]") {
  CHECK(IbanValid("DE89370400440532013000"));
  CHECK(IbanValid("DE89 3704 0044 0532 0130 00"));
  CHECK(IbanValid("GB82WEST12345698765432"));
  CHECK(IbanValid("NO9386011117947"));
  CHECK_FALSE(IbanValid("DE88370400440532013000"));  // wrong check digits
  CHECK_FALSE(IbanValid("DE8937040044053201300"));   // DE is 22 long
  CHECK_FALSE(IbanValid("GB82WEST12345698765433"));
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string bban = RandomDigits(rng, 18);
    // Check digits: 98 - (bban + "DE00" as digits) mod 97; D=13, E=14.
    std::string digits = bban + "131400";
    int mod = 0;
    for (char c : digits) mod = (mod * 10 + (c - '0')) % 97;
    int check = 98 - mod;
    std::string iban = "DE" + std::string(check < 10 ? "0" : "") + std::to_string(check) + bban;
    CHECK(IbanValid(iban));
    std::string bad = iban;
    bad[4 + rng() % 18] = bad[4] == '9' ? '0' : static_cast<char>(bad[4] + 1);
    if (bad != iban) CHECK_FALSE(IbanValid(bad));
  }
}

TEST_CASE("SSN: area, group and serial rules", "[mask][validators]") {
  CHECK(SsnValid("123-45-6789"));
  CHECK(SsnValid("001-01-0001"));
  CHECK(SsnValid("899-99-9999"));
  CHECK_FALSE(SsnValid("000-12-3456"));
  CHECK_FALSE(SsnValid("666-12-3456"));
  CHECK_FALSE(SsnValid("900-12-3456"));
  CHECK_FALSE(SsnValid("999-12-3456"));
  CHECK_FALSE(SsnValid("123-00-4567"));
  CHECK_FALSE(SsnValid("123-45-0000"));
  CHECK_FALSE(SsnValid("123456789"));
}

TEST_CASE("IPv4 octets and IPv6", "[mask][validators]") {
  CHECK(Ipv4Valid("192.168.1.10"));
  CHECK(Ipv4Valid("0.0.0.0"));
  CHECK(Ipv4Valid("255.255.255.255"));
  for (int v = 0; v <= 300; ++v) {
    CHECK(Ipv4Valid("10.0.0." + std::to_string(v)) == (v <= 255));
  }
  CHECK_FALSE(Ipv4Valid("01.2.3.4"));
  CHECK_FALSE(Ipv4Valid("1.2.3"));
  CHECK_FALSE(Ipv4Valid("1.2.3.4.5"));
  CHECK(Ipv6Valid("2001:db8::8a2e:370:7334"));
  CHECK(Ipv6Valid("fe80::1"));
  CHECK(Ipv6Valid("2001:0db8:0000:0000:0000:ff00:0042:8329"));
  CHECK_FALSE(Ipv6Valid("::1"));
  CHECK_FALSE(Ipv6Valid("10:30:00"));
  CHECK_FALSE(Ipv6Valid("00:1a:2b:3c:4d:5e"));
}

TEST_CASE("phone number checks", "[mask][validators]") {
  CHECK(PhoneValid("+14155550123"));
  CHECK(PhoneValid("(555) 123-4567"));
  CHECK_FALSE(PhoneValid("(155) 123-4567"));
  CHECK_FALSE(PhoneValid("+1234567"));
}
