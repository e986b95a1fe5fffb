// COPY OUT data lines: splitting one row of COPY text or CSV format into
// fields, decoding a field's value, and encoding a value back, so that masked
// fields can be replaced while every other byte of the row is kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pqward::mask {

enum class CopyFormat { kText, kCsv };

// The COPY options that shape a row (COPY ... WITH (FORMAT, DELIMITER, NULL,
// QUOTE, ESCAPE)). Defaults are PostgreSQL's.
struct CopyOptions {
  CopyFormat format = CopyFormat::kText;
  char delimiter = '\t';
  std::string null_string = "\\N";
  char quote = '"';   // CSV only
  char escape = '"';  // CSV only

  static CopyOptions Text() { return CopyOptions(); }
  static CopyOptions Csv() {
    CopyOptions o;
    o.format = CopyFormat::kCsv;
    o.delimiter = ',';
    o.null_string = "";
    return o;
  }
};

// One field of a row: its bytes in the row and whether it is NULL.
struct CopyField {
  size_t begin;
  size_t end;
  bool null;
};

// Splits `row` (without its line terminator) into fields. Returns false for a
// malformed CSV row (unterminated quote).
bool SplitCopyRow(const CopyOptions& o, std::string_view row, std::vector<CopyField>* fields);

// The value of a non-NULL field: a view into `raw` when it needs no decoding,
// else decoded into *buf.
std::string_view DecodeCopyField(const CopyOptions& o, std::string_view raw, std::string* buf);

// Appends the COPY form of `value` (nullopt: NULL) to *out.
void EncodeCopyField(const CopyOptions& o, const std::optional<std::string>& value,
                     std::string* out);

// Length of the line terminator at the end of `line` ("\n", "\r\n" or none).
size_t CopyTerminatorLength(std::string_view line);

}  // namespace pqward::mask
