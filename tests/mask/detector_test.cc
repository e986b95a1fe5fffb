// The content detectors through Masker::MaskText: what each one catches,
// what it must leave alone, and that only the matched span changes.
#include <atomic>
#include <random>
#include <thread>

#include "mask/validators.h"
#include "mask_test_util.h"

using masktest::Detecting;
using masktest::FromToml;
using masktest::Text;

namespace {

std::string Luhn(std::string body) {
  for (char d = '0'; d <= '9'; ++d) {
    if (pqward::mask::LuhnValid(body + d)) return body + d;
  }
  return body;
}

}  // namespace

TEST_CASE("detectors replace only the matched span", "[mask][detect]") {
  const auto& m = Detecting();
  CHECK(Text(m, "mail john.smith+tag@example.co.uk today") == "mail **** today");
  CHECK(Text(m, "card 4111 1111 1111 1111, thanks") == "card ****, thanks");
  CHECK(Text(m, "ssn: 123-45-6789.") == "ssn: ****.");
  CHECK(Text(m, "iban DE89 3704 0044 0532 0130 00 EUR") == "iban **** EUR");
  CHECK(Text(m, "from 192.168.1.10 and 2001:db8::8a2e:370:7334 ok") == "from **** and **** ok");
  CHECK(Text(m, "key AKIAIOSFODNN7EXAMPLE here") == "key **** here");
  CHECK(Text(m, "no secrets in this sentence at all") == "no secrets in this sentence at all");
}

TEST_CASE("credit cards: Luhn-valid caught, Luhn-invalid left", "[mask][detect]") {
  const auto& m = Detecting();
  std::mt19937 rng(1);
  for (int i = 0; i < 300; ++i) {
    std::string body(1, static_cast<char>('2' + rng() % 5));
    size_t len = 13 + rng() % 7;
    while (body.size() < len - 1) body.push_back(static_cast<char>('0' + rng() % 10));
    std::string card = Luhn(body);
    std::string spaced;
    for (size_t k = 0; k < card.size(); ++k) {
      if (k > 0 && k % 4 == 0) spaced.push_back(i % 2 ? ' ' : '-');
      spaced.push_back(card[k]);
    }
    INFO(spaced);
    CHECK(Text(m, "pay " + card + " now") == "pay **** now");
    CHECK(Text(m, "pay " + spaced + " now") == "pay **** now");
    std::string bad = card;
    bad.back() = static_cast<char>('0' + (bad.back() - '0' + 1) % 10);
    CHECK(Text(m, "pay " + bad + " now") == "pay " + bad + " now");
  }
  // A card after other digit groups is still found.
  CHECK(Text(m, "qty 3 4111 1111 1111 1111") == "qty 3 ****");
}

TEST_CASE("IBAN: checksum valid caught, invalid left", "[mask][detect]") {
  const auto& m = Detecting();
  CHECK(Text(m, "to GB82WEST12345698765432.") == "to ****.");
  CHECK(Text(m, "to GB82WEST12345698765433.") == "to GB82WEST12345698765433.");
  CHECK(Text(m, "to DE88 3704 0044 0532 0130 00") == "to DE88 3704 0044 0532 0130 00");
}

TEST_CASE("SSN rules in text", "[mask][detect]") {
  const auto& m = Detecting();
  CHECK(Text(m, "ssn 078-05-1120") == "ssn ****");
  for (const char* bad : {"000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000",
                          "1123-45-6789", "123-45-67890"}) {
    INFO(bad);
    CHECK(Text(m, std::string("ssn ") + bad) == std::string("ssn ") + bad);
  }
}

TEST_CASE("phone numbers", "[mask][detect]") {
  const auto& m = Detecting();
  for (const char* p : {"+1 (555) 123-4567", "(555) 123-4567", "555-123-4567", "555.123.4567",
                        "+44 20 7946 0958", "+4915112345678", "+33 1 23 45 67 89"}) {
    INFO(p);
    CHECK(Text(m, std::string("call ") + p + " today") == "call **** today");
  }
  for (const char* n : {"123-456-7890", "5551234567", "2024-01-15", "1234-5678"}) {
    INFO(n);
    CHECK(Text(m, n) == n);
  }
}

TEST_CASE("no false positives on ids, times, numbers and versions", "[mask][detect]") {
  const auto& m = Detecting();
  std::mt19937_64 rng(99);
  auto hex = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back("0123456789abcdef"[rng() % 16]);
    return s;
  };
  for (int i = 0; i < 300; ++i) {
    std::string uuid = hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12);
    INFO(uuid);
    CHECK(Text(m, "id " + uuid) == "id " + uuid);
    std::string digits_uuid;
    for (char c : uuid) digits_uuid.push_back(c == '-' ? '-' : static_cast<char>('0' + c % 10));
    CHECK(Text(m, digits_uuid) == digits_uuid);
    std::string n = std::to_string(rng() % 1000000000000ULL);  // up to 12 digits
    CHECK(Text(m, "n=" + n + ";") == "n=" + n + ";");
    std::string dec = std::to_string(rng() % 100000) + "." + std::to_string(rng());
    CHECK(Text(m, dec) == dec);
  }
  for (const char* s : {"2024-03-15T10:30:00Z",
                        "2024-03-15 10:30:00.123456+02",
                        "2024-03-15T10:30:00+05:30",
                        "12:30:45",
                        "1.2.3",
                        "v10.4.1",
                        "2.40.0-rc1",
                        "1.2.3.4.5",
                        "python3.11.4",
                        "9223372036854775807",
                        "-2147483648",
                        "3.141592653589793238",
                        "0.4111111111111111",
                        "std::string",
                        "a::b::c",
                        "00:1a:2b:3c:4d:5e",
                        "eyJhbGciOiJIUzI1NiJ9",
                        "AKIAIOSFODNN7EXAMPL",
                        "XAKIAIOSFODNN7EXAMPLE",
                        "256.1.1.1",
                        "01.2.3.4",
                        "user at example dot com",
                        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"}) {
    INFO(s);
    CHECK(Text(m, s) == s);
  }
}

TEST_CASE("IPv4 octet validation in text", "[mask][detect]") {
  const auto& m = Detecting();
  CHECK(Text(m, "host 10.0.0.255 up") == "host **** up");
  CHECK(Text(m, "host 10.0.0.256 up") == "host 10.0.0.256 up");
  CHECK(Text(m, "fe80::1%eth0") == "****%eth0");
}

TEST_CASE("JWT, AWS key and PEM private key", "[mask][detect]") {
  const auto& m = Detecting();
  std::string jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
      "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
  CHECK(Text(m, "Authorization: Bearer " + jwt) == "Authorization: Bearer ****");
  CHECK(Text(m, "AKIAIOSFODNN7EXAMPLE,ASIAIOSFODNN7EXAMPLE") == "****,****");
  std::string key =
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nMIIEow-IBAAKCAQEA\n"
      "-----END RSA PRIVATE KEY-----";
  CHECK(Text(m, "a\n" + key + "\nb") == "a\n****\nb");
  CHECK(Text(m, key + " and " + key) == "**** and ****");
  // Cut off: masked to the end.
  CHECK(Text(m, "x -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq") == "x ****");
}

TEST_CASE("custom regex detectors", "[mask][detect]") {
  auto m = FromToml(
      "[mask.detect]\ntypes = []\n[[mask.detect.custom]]\nname = \"employee_id\"\n"
      "pattern = \"EMP-[0-9]{6}\"\n");
  CHECK(Text(*m, "by EMP-123456 and EMP-654321.") == "by **** and ****.");
  CHECK(Text(*m, "EMP-12345 a@b.com") == "EMP-12345 a@b.com");
}

TEST_CASE("detect strategies apply to the span", "[mask][detect]") {
  auto m = FromToml("[mask.detect]\ntypes = [\"email\"]\nstrategy = \"email\"\n");
  CHECK(Text(*m, "to john@example.com.") == "to j***@example.com.");
  m = FromToml("[mask.detect]\ntypes = [\"credit_card\"]\nstrategy = \"partial\"\nkeep_last = 4\n");
  CHECK(Text(*m, "card 4111111111111111") == "card ************1111");
  m = FromToml("[mask.detect]\ntypes = [\"us_ssn\"]\nstrategy = \"null\"\n");
  CHECK(Text(*m, "ssn 123-45-6789") == "ssn ****");  // free text has no NULL
}

TEST_CASE("detection is thread-safe", "[mask][detect]") {
  const auto& m = Detecting();
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (Text(m, "x 123-45-6789 y") != "x **** y") ++bad;
        if (Text(m, "plain words") != "plain words") ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(bad == 0);
}

// Texts of kSplitFrom bytes or more are scanned by two databases (literal
// patterns, digit-class patterns) instead of one; both ways must find the
// same spans. Each long text joins short segments with blank lines, which no
// detector spans, so it must mask to the join of its segments masked alone.
TEST_CASE("long texts mask as their short segments do", "[mask][detect]") {
  const auto& m = Detecting();
  const char* kSegments[] = {
      "mail john.smith+tag@example.co.uk today",
      "card 4111 1111 1111 1111, thanks",
      "ssn: 123-45-6789.",
      "iban DE89 3704 0044 0532 0130 00 EUR",
      "to GB82WEST12345698765432.",
      "from 192.168.1.10 and 2001:db8::8a2e:370:7334 ok",
      "key AKIAIOSFODNN7EXAMPLE here",
      "call +44 20 7946 0958 or (555) 123-4567 or 555.123.4567",
      "qty 3 4111-1111-1111-1111",
      "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
      "order 2024-03-15T10:30:00Z version 1.2.3 total 19.99",
      "n=123456789012; 256.1.1.1",
      "to DE88 3704 0044 0532 0130 00",
      "4111 1111 1111 1112 is not a card",
      "std::string a::b",
      "the order shipped on time with status delivered and no note at all"};
  constexpr size_t kCount = sizeof kSegments / sizeof kSegments[0];
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string text, expected;
    while (text.size() < 320 + rng() % 4000) {
      const char* s = kSegments[rng() % kCount];
      if (!text.empty()) text += "\n\n", expected += "\n\n";
      text += s;
      expected += Text(m, s);
    }
    INFO(text);
    CHECK(Text(m, text) == expected);
  }
}
