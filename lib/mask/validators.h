// Checksum and shape checks that confirm content-detector candidates: a
// Hyperscan match only proposes a span; these decide whether it is really a
// card number, an IBAN, an SSN or an IP address. Pure functions.
#pragma once

#include <string_view>

namespace pqward::mask {

// Luhn (mod 10) over the ASCII digits of `s`; other characters are ignored.
bool LuhnValid(std::string_view s);

// A card number: 13-19 digits, separated by nothing or by single spaces or
// dashes (one kind), issuer prefix 2-6, Luhn-valid, not all one digit.
bool CardNumberValid(std::string_view s);

// ISO 13616 IBAN: country code, check digits, BBAN (spaces allowed), length
// of the country's format (15-34 for countries pqward does not list), mod-97 == 1.
bool IbanValid(std::string_view s);

// US SSN "ddd-dd-dddd": area not 000, 666 or 9xx; group not 00; serial not 0000.
bool SsnValid(std::string_view s);

// Dotted-quad IPv4, each octet 0-255 without leading zeros.
bool Ipv4Valid(std::string_view s);

// IPv6 (inet_pton) with at least two non-empty groups ("::1" alone is not).
bool Ipv6Valid(std::string_view s);

// Phone: 8-15 digits for "+" numbers; NANP area code starting 2-9 otherwise.
bool PhoneValid(std::string_view s);

}  // namespace pqward::mask
