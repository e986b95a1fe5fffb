// Type-preserving masking. A value is decoded to its text form (binary codecs
// for the types pqward knows), masked according to its type class, checked,
// and encoded back. Anything without a valid masked form becomes NULL.
#include "mask/typed.h"

#include <charconv>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

namespace pqward::mask {

namespace {

// Built-in type OIDs (src/include/catalog/pg_type.dat).
enum : uint32_t {
  kBoolOid = 16,
  kByteaOid = 17,
  kNameOid = 19,
  kInt8Oid = 20,
  kInt2Oid = 21,
  kInt4Oid = 23,
  kTextOid = 25,
  kOidOid = 26,
  kJsonOid = 114,
  kXmlOid = 142,
  kJsonArrayOid = 199,
  kFloat4Oid = 700,
  kFloat8Oid = 701,
  kUnknownOid = 705,
  kMoneyOid = 790,
  kNameArrayOid = 1003,
  kTextArrayOid = 1009,
  kBpcharArrayOid = 1014,
  kVarcharArrayOid = 1015,
  kBpcharOid = 1042,
  kVarcharOid = 1043,
  kDateOid = 1082,
  kNumericOid = 1700,
  kUuidOid = 2950,
  kJsonbOid = 3802,
  kJsonbArrayOid = 3807,
  kFirstNormalOid = 16384,
};

const char kZeroUuid[] = "00000000-0000-0000-0000-000000000000";
const char kHex[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Hex(const uint8_t* p, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

// Big-endian integers.
uint64_t LoadBe(std::string_view b) {
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}
std::string StoreBe(uint64_t v, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[n - 1 - i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

// Range of an integer type.
void IntRange(uint32_t oid, long long* lo, unsigned long long* hi) {
  switch (oid) {
    case kInt2Oid:
      *lo = -32768, *hi = 32767;
      return;
    case kInt4Oid:
      *lo = std::numeric_limits<int32_t>::min(), *hi = std::numeric_limits<int32_t>::max();
      return;
    case kOidOid:
      *lo = 0, *hi = std::numeric_limits<uint32_t>::max();
      return;
    default:
      *lo = std::numeric_limits<int64_t>::min(), *hi = std::numeric_limits<int64_t>::max();
  }
}

bool ParseInt(uint32_t oid, std::string_view t, long long* out) {
  if (t.empty()) return false;
  bool neg = t[0] == '-';
  std::string_view digits = (t[0] == '-' || t[0] == '+') ? t.substr(1) : t;
  if (digits.empty()) return false;
  unsigned long long mag = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mag);
  if (ec != std::errc() || p != digits.data() + digits.size()) return false;
  long long lo;
  unsigned long long hi;
  IntRange(oid, &lo, &hi);
  if (neg) {
    if (mag > static_cast<unsigned long long>(-(lo + 1)) + 1) return false;
    *out = mag == 0 ? 0 : -static_cast<long long>(mag - 1) - 1;
  } else {
    if (mag > hi) return false;
    *out = static_cast<long long>(mag);  // oid fits; int8 max fits
  }
  return true;
}

bool ParseDouble(std::string_view t, double* out) {
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), *out);
  return ec == std::errc() && p == t.data() + t.size() && !t.empty();
}

bool ValidUuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : HexValue(t[i]) < 0) return false;
  }
  return true;
}

bool ValidDate(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  int month = (t[5] - '0') * 10 + (t[6] - '0');
  int day = (t[8] - '0') * 10 + (t[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool ValidBool(std::string_view t) {
  static const char* kWords[] = {"t", "f", "true", "false", "yes", "no", "on", "off", "1", "0"};
  for (const char* w : kWords) {
    if (t.size() == std::strlen(w) && strncasecmp(t.data(), w, t.size()) == 0) return true;
  }
  return false;
}

bool ValidByteaText(std::string_view t) {
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x' || t.size() % 2 != 0) return false;
  for (size_t i = 2; i < t.size(); ++i) {
    if (HexValue(t[i]) < 0) return false;
  }
  return true;
}

// Raw bytes of a bytea text value ("\x..." hex form; other forms as given).
std::string ByteaRaw(std::string_view t) {
  if (!ValidByteaText(t)) return std::string(t);
  std::string out;
  for (size_t i = 2; i < t.size(); i += 2) {
    out.push_back(static_cast<char>(HexValue(t[i]) * 16 + HexValue(t[i + 1])));
  }
  return out;
}

std::string ByteaText(std::string_view raw) {
  return "\\x" + Hex(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
}

uint64_t DigestNumber(const Digest& d) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d[i];
  return v;
}

// Strips leading zeros of an integer text ("-0045" -> "-45").
std::string NormalizeInt(std::string t) {
  size_t sign = (!t.empty() && (t[0] == '-' || t[0] == '+')) ? 1 : 0;
  size_t first = t.find_first_not_of('0', sign);
  if (first == std::string::npos) return "0";
  return t.substr(0, sign) + t.substr(first);
}

std::optional<std::string> Checked(uint32_t oid, std::string s) {
  if (!ValidText(oid, s)) return std::nullopt;
  return s;
}

// The strategy's own output, kept only when it is valid for the type.
std::optional<std::string> ApplyChecked(const Strategy& st, uint32_t oid, std::string_view t) {
  std::optional<std::string> r = st.Apply(t);
  if (!r) return r;
  return Checked(oid, *r);
}

std::optional<std::string> MaskInt(const Strategy& st, uint32_t oid, std::string_view t) {
  switch (st.kind()) {
    case StrategyKind::kRedact:
    case StrategyKind::kEmail:
      return "0";
    case StrategyKind::kPartial:
      return Checked(oid, NormalizeInt(st.Partial(t, '0', Strategy::Counted::kDigits)));
    case StrategyKind::kHash: {
      long long lo;
      unsigned long long hi;
      IntRange(oid, &lo, &hi);
      return std::to_string(DigestNumber(st.Pseudonym(t)) % (hi + 1));
    }
    default:
      return ApplyChecked(st, oid, t);
  }
}

std::optional<std::string> MaskFloat(const Strategy& st, uint32_t oid, std::string_view t) {
  switch (st.kind()) {
    case StrategyKind::kRedact:
    case StrategyKind::kEmail:
      return "0";
    case StrategyKind::kPartial:
      return Checked(oid, st.Partial(t, '0', Strategy::Counted::kDigits));
    case StrategyKind::kHash: {
      uint64_t mod = oid == kFloat4Oid ? 1000000ULL : 1000000000000000ULL;
      return std::to_string(DigestNumber(st.Pseudonym(t)) % mod);
    }
    default:
      return ApplyChecked(st, oid, t);
  }
}

std::optional<std::string> MaskUuid(const Strategy& st, std::string_view t) {
  switch (st.kind()) {
    case StrategyKind::kRedact:
    case StrategyKind::kEmail:
      return kZeroUuid;
    case StrategyKind::kPartial:
      return Checked(kUuidOid, st.Partial(t, '0', Strategy::Counted::kHexDigits));
    case StrategyKind::kHash: {
      std::string h = Hex(st.Pseudonym(t).data(), 16);
      return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
             "-" + h.substr(20);
    }
    default:
      return ApplyChecked(st, kUuidOid, t);
  }
}

std::optional<std::string> MaskBytea(const Strategy& st, std::string_view t) {
  switch (st.kind()) {
    case StrategyKind::kRedact:
      return ByteaText(st.options().text);
    case StrategyKind::kHash: {
      Digest d = st.Pseudonym(ByteaRaw(t));
      return "\\x" + Hex(d.data(), (static_cast<size_t>(st.options().length) + 1) / 2);
    }
    case StrategyKind::kFixed: {
      const std::string& v = st.options().value;
      return ValidByteaText(v) ? v : ByteaText(v);
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::string> MaskJson(const Strategy& st, std::string_view t) {
  if (st.kind() == StrategyKind::kFixed && nlohmann::json::accept(st.options().value)) {
    return st.options().value;
  }
  std::optional<std::string> r = st.Apply(t);
  if (!r) return r;
  return JsonString(*r, true);
}

}  // namespace

TypeClass ClassifyType(uint32_t oid) {
  switch (oid) {
    case 0:  // unknown to the caller (COPY without types): text
    case kTextOid:
    case kVarcharOid:
    case kBpcharOid:
    case kNameOid:
    case kUnknownOid:
    case kXmlOid:
      return TypeClass::kText;
    case kJsonOid:
    case kJsonbOid:
      return TypeClass::kJson;
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid:
      return TypeClass::kInt;
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid:
    case kMoneyOid:
      return TypeClass::kFloat;
    case kUuidOid:
      return TypeClass::kUuid;
    case kByteaOid:
      return TypeClass::kBytea;
    case kTextArrayOid:
    case kVarcharArrayOid:
    case kBpcharArrayOid:
    case kNameArrayOid:
    case kJsonArrayOid:
    case kJsonbArrayOid:
      return TypeClass::kTextArray;
    default:
      return oid >= kFirstNormalOid ? TypeClass::kUserType : TypeClass::kOther;
  }
}

bool DetectableType(uint32_t oid, int format) {
  switch (ClassifyType(oid)) {
    case TypeClass::kText:
    case TypeClass::kJson:
      return true;
    case TypeClass::kTextArray:
    case TypeClass::kUserType:
      return format == 0;
    default:
      return false;
  }
}

bool ValidText(uint32_t oid, std::string_view t) {
  long long i;
  double d;
  switch (ClassifyType(oid)) {
    case TypeClass::kInt:
      return ParseInt(oid, t, &i);
    case TypeClass::kFloat: {
      if (oid != kMoneyOid) return ParseDouble(t, &d);
      std::string plain;
      for (char c : t) {
        if (c != '$' && c != ',') plain.push_back(c);
      }
      return ParseDouble(plain, &d);
    }
    case TypeClass::kUuid:
      return ValidUuid(t);
    case TypeClass::kJson:
      return nlohmann::json::accept(t);
    case TypeClass::kBytea:
      return ValidByteaText(t);
    default:
      if (oid == kBoolOid) return ValidBool(t);
      if (oid == kDateOid) return ValidDate(t);
      return true;
  }
}

// Types whose binary form is their text (text-like types and json).
bool BinaryIsText(uint32_t oid) {
  return oid == kJsonOid || (oid != 0 && ClassifyType(oid) == TypeClass::kText);
}

bool BinaryToText(uint32_t oid, std::string_view b, std::string* text) {
  if (BinaryIsText(oid)) {
    *text = b;
    return true;
  }
  switch (oid) {
    case kJsonbOid:
      if (b.empty() || b[0] != 1) return false;
      *text = b.substr(1);
      return true;
    case kInt2Oid:
      if (b.size() != 2) return false;
      *text = std::to_string(static_cast<int16_t>(LoadBe(b)));
      return true;
    case kInt4Oid:
      if (b.size() != 4) return false;
      *text = std::to_string(static_cast<int32_t>(LoadBe(b)));
      return true;
    case kInt8Oid:
      if (b.size() != 8) return false;
      *text = std::to_string(static_cast<int64_t>(LoadBe(b)));
      return true;
    case kOidOid:
      if (b.size() != 4) return false;
      *text = std::to_string(static_cast<uint32_t>(LoadBe(b)));
      return true;
    case kFloat4Oid:
    case kFloat8Oid: {
      if (b.size() != (oid == kFloat4Oid ? 4u : 8u)) return false;
      char buf[64];
      std::to_chars_result r;
      uint64_t bits = LoadBe(b);
      if (oid == kFloat4Oid) {
        float f;
        uint32_t b32 = static_cast<uint32_t>(bits);
        std::memcpy(&f, &b32, 4);
        r = std::to_chars(buf, buf + sizeof buf, f);
      } else {
        double d;
        std::memcpy(&d, &bits, 8);
        r = std::to_chars(buf, buf + sizeof buf, d);
      }
      text->assign(buf, r.ptr);
      return true;
    }
    case kUuidOid: {
      if (b.size() != 16) return false;
      std::string h = Hex(reinterpret_cast<const uint8_t*>(b.data()), 16);
      *text = h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
              h.substr(16, 4) + "-" + h.substr(20);
      return true;
    }
    case kByteaOid:
      *text = ByteaText(b);
      return true;
    default:
      return false;
  }
}

bool TextToBinary(uint32_t oid, std::string_view t, std::string* binary) {
  long long i;
  double d;
  if (BinaryIsText(oid)) {
    *binary = t;
    return true;
  }
  switch (oid) {
    case kJsonbOid:
      *binary = std::string(1, '\1') + std::string(t);
      return true;
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      if (!ParseInt(oid, t, &i)) return false;
      size_t n = oid == kInt2Oid ? 2 : oid == kInt8Oid ? 8 : 4;
      *binary = StoreBe(static_cast<uint64_t>(i), n);
      return true;
    }
    case kFloat4Oid:
    case kFloat8Oid: {
      if (!ParseDouble(t, &d)) return false;
      if (oid == kFloat4Oid) {
        float f = static_cast<float>(d);
        uint32_t b32;
        std::memcpy(&b32, &f, 4);
        *binary = StoreBe(b32, 4);
      } else {
        uint64_t b64;
        std::memcpy(&b64, &d, 8);
        *binary = StoreBe(b64, 8);
      }
      return true;
    }
    case kUuidOid: {
      if (!ValidUuid(t)) return false;
      binary->clear();
      for (size_t k = 0; k < t.size(); ++k) {
        if (t[k] == '-') continue;
        binary->push_back(static_cast<char>(HexValue(t[k]) * 16 + HexValue(t[k + 1])));
        ++k;
      }
      return true;
    }
    case kByteaOid:
      if (!ValidByteaText(t)) return false;
      *binary = ByteaRaw(t);
      return true;
    default:
      return false;
  }
}

std::string JsonString(std::string_view s, bool quoted) {
  std::string out = quoted ? "\"" : "";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  if (quoted) out.push_back('"');
  return out;
}

bool MaskTyped(const Strategy& st, uint32_t oid, int format, std::string_view value,
               std::string* out) {
  if (st.kind() == StrategyKind::kNull) return false;
  TypeClass type = ClassifyType(oid);
  // Text as received, the common case on a large result: no copy at all.
  if (format == 0 && (type == TypeClass::kText || type == TypeClass::kUserType)) {
    return st.ApplyTo(value, out);
  }
  std::string decoded;
  if (format != 0) {
    if (!BinaryToText(oid, value, &decoded)) return false;
    value = decoded;
  }
  std::optional<std::string> masked;
  switch (type) {
    case TypeClass::kText:
    case TypeClass::kUserType:
      masked = st.Apply(value);
      break;
    case TypeClass::kJson:
      masked = MaskJson(st, value);
      break;
    case TypeClass::kInt:
      masked = MaskInt(st, oid, value);
      break;
    case TypeClass::kFloat:
      masked = MaskFloat(st, oid, value);
      break;
    case TypeClass::kUuid:
      masked = MaskUuid(st, value);
      break;
    case TypeClass::kBytea:
      masked = MaskBytea(st, value);
      break;
    case TypeClass::kTextArray:
    case TypeClass::kOther:
      if (st.kind() == StrategyKind::kFixed) masked = Checked(oid, st.options().value);
      break;
  }
  if (!masked) return false;
  if (format != 0) return TextToBinary(oid, *masked, out);
  *out = std::move(*masked);
  return true;
}

}  // namespace pqward::mask
