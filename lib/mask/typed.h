// Type-preserving masking: applies a Strategy to a value of a given PostgreSQL
// type (OID) in text or binary format so that the masked value is still valid
// for that type, or SQL NULL when no valid masked form exists. Never returns
// the original bytes of a value it was asked to mask.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mask/strategy.h"

namespace pqward::mask {

enum class TypeClass {
  kText,       // text, varchar, bpchar, name, unknown, xml, citext-like: any text
  kJson,       // json, jsonb: masked values become JSON strings
  kInt,        // int2, int4, int8, oid
  kFloat,      // float4, float8, numeric, money
  kUuid,       // uuid
  kBytea,      // bytea
  kTextArray,  // text[] and friends (detectors only; rules give NULL)
  kUserType,   // OID >= 16384 (enums, extension types): text form only
  kOther,      // every other built-in type (date, time, bool, inet, ...)
};

TypeClass ClassifyType(uint32_t oid);

// True for columns whose text detectors may scan (text format or raw text binary).
bool DetectableType(uint32_t oid, int format);

// Masks `value` (the cell as received: text, or binary when format == 1) of
// type `oid` with `strategy` into *out (reusing its capacity, as
// Strategy::ApplyTo); false means SQL NULL. `value` must not point into *out.
bool MaskTyped(const Strategy& strategy, uint32_t oid, int format, std::string_view value,
               std::string* out);

// Whether `text` is a valid text-format input for `oid`, as far as pqward
// checks (integers, floats, uuid, bool, date; others: true).
bool ValidText(uint32_t oid, std::string_view text);

// Converts a value of type `oid` between binary and text format; false when
// pqward has no codec for the type (or the input is malformed).
bool BinaryToText(uint32_t oid, std::string_view binary, std::string* text);
bool TextToBinary(uint32_t oid, std::string_view text, std::string* binary);

// JSON string literal of `s` ("..." with escapes); `quoted` = false omits the quotes.
std::string JsonString(std::string_view s, bool quoted);

}  // namespace pqward::mask
