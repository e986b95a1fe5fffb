// Candidate confirmation for the content detectors (see validators.h).
#include "mask/validators.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

namespace pqward::mask {

namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}

std::string Digits(std::string_view s) {
  std::string d;
  for (char c : s) {
    if (IsDigit(c)) d.push_back(c);
  }
  return d;
}

// IBAN lengths by country (SWIFT IBAN registry).
struct IbanLength {
  char cc[3];
  int length;
};
const IbanLength kIbanLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27},
    {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20},
    {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24},
    {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SC", 31},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
    {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};

}  // namespace

bool LuhnValid(std::string_view s) {
  std::string d = Digits(s);
  if (d.empty()) return false;
  int sum = 0;
  bool dbl = false;
  for (size_t i = d.size(); i-- > 0;) {
    int v = d[i] - '0';
    if (dbl) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool CardNumberValid(std::string_view s) {
  char sep = 0;
  for (char c : s) {
    if (IsDigit(c)) continue;
    if (c != ' ' && c != '-') return false;
    if (sep != 0 && c != sep) return false;
    sep = c;
  }
  std::string d = Digits(s);
  if (d.size() < 13 || d.size() > 19) return false;
  if (d[0] < '2' || d[0] > '6') return false;
  if (d.find_first_not_of(d[0]) == std::string::npos) return false;
  return LuhnValid(d);
}

bool IbanValid(std::string_view s) {
  std::string c;
  for (char ch : s) {
    if (ch == ' ') continue;
    if (!IsDigit(ch) && !IsUpper(ch)) return false;
    c.push_back(ch);
  }
  if (c.size() < 15 || c.size() > 34) return false;
  if (!IsUpper(c[0]) || !IsUpper(c[1]) || !IsDigit(c[2]) || !IsDigit(c[3])) return false;
  for (const IbanLength& l : kIbanLengths) {
    if (c.compare(0, 2, l.cc) == 0 && static_cast<int>(c.size()) != l.length) return false;
  }
  // Move the first four characters to the end, letters become 10..35, mod 97.
  std::string r = c.substr(4) + c.substr(0, 4);
  int mod = 0;
  for (char ch : r) {
    int v = IsDigit(ch) ? ch - '0' : ch - 'A' + 10;
    mod = (v >= 10 ? mod * 100 + v : mod * 10 + v) % 97;
  }
  return mod == 1;
}

bool SsnValid(std::string_view s) {
  if (s.size() != 11 || s[3] != '-' || s[6] != '-') return false;
  std::string d = Digits(s);
  if (d.size() != 9) return false;
  std::string_view area(d.data(), 3), group(d.data() + 3, 2), serial(d.data() + 5, 4);
  if (area == "000" || area == "666" || area[0] == '9') return false;
  return group != "00" && serial != "0000";
}

bool Ipv4Valid(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t dot = s.find('.', i);
    if (dot == std::string_view::npos) dot = s.size();
    std::string_view o = s.substr(i, dot - i);
    if (o.empty() || o.size() > 3 || (o.size() > 1 && o[0] == '0')) return false;
    int v = 0;
    for (char c : o) {
      if (!IsDigit(c)) return false;
      v = v * 10 + (c - '0');
    }
    if (v > 255) return false;
    ++parts;
    i = dot + 1;
  }
  return parts == 4;
}

bool Ipv6Valid(std::string_view s) {
  if (s.size() > 45) return false;
  std::string z(s);
  unsigned char buf[16];
  if (inet_pton(AF_INET6, z.c_str(), buf) != 1) return false;
  int groups = 0;
  bool in_group = false;
  for (char c : s) {
    bool hex = c != ':';
    if (hex && !in_group) ++groups;
    in_group = hex;
  }
  return groups >= 2;
}

bool PhoneValid(std::string_view s) {
  std::string d = Digits(s);
  if (!s.empty() && s[0] == '+') return d.size() >= 8 && d.size() <= 15;
  return d.size() == 10 && d[0] >= '2';
}

}  // namespace pqward::mask
