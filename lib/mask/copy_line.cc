// COPY text format (backslash escapes, \N) and CSV format (quotes) as written
// by PostgreSQL's COPY TO (src/backend/commands/copyto.c) and read back by
// COPY FROM: decode what the server sent, encode what we replace.
#include "mask/copy_line.h"

namespace pqward::mask {

namespace {

int OctalValue(char c) {
  return (c >= '0' && c <= '7') ? c - '0' : -1;
}
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view DecodeText(std::string_view raw, std::string* buf) {
  if (raw.find('\\') == std::string_view::npos) return raw;
  buf->clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\' || i + 1 == raw.size()) {
      buf->push_back(c);
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b':
        buf->push_back('\b');
        break;
      case 'f':
        buf->push_back('\f');
        break;
      case 'n':
        buf->push_back('\n');
        break;
      case 'r':
        buf->push_back('\r');
        break;
      case 't':
        buf->push_back('\t');
        break;
      case 'v':
        buf->push_back('\v');
        break;
      case 'x':
        if (i + 1 < raw.size() && HexValue(raw[i + 1]) >= 0) {
          int v = HexValue(raw[++i]);
          if (i + 1 < raw.size() && HexValue(raw[i + 1]) >= 0) v = v * 16 + HexValue(raw[++i]);
          buf->push_back(static_cast<char>(v));
        } else {
          buf->push_back('x');
        }
        break;
      default:
        if (OctalValue(e) >= 0) {
          int v = OctalValue(e);
          for (int k = 0; k < 2 && i + 1 < raw.size() && OctalValue(raw[i + 1]) >= 0; ++k) {
            v = v * 8 + OctalValue(raw[++i]);
          }
          buf->push_back(static_cast<char>(v & 0xff));
        } else {
          buf->push_back(e);
        }
    }
  }
  return *buf;
}

std::string_view DecodeCsv(const CopyOptions& o, std::string_view raw, std::string* buf) {
  if (raw.find(o.quote) == std::string_view::npos) return raw;
  buf->clear();
  bool quoted = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (!quoted) {
      if (c == o.quote) {
        quoted = true;
      } else {
        buf->push_back(c);
      }
    } else if (c == o.escape && i + 1 < raw.size() &&
               (raw[i + 1] == o.quote || raw[i + 1] == o.escape)) {
      buf->push_back(raw[++i]);
    } else if (c == o.quote) {
      quoted = false;
    } else {
      buf->push_back(c);
    }
  }
  return *buf;
}

void EncodeText(const CopyOptions& o, std::string_view v, std::string* out) {
  for (char c : v) {
    switch (c) {
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\v':
        *out += "\\v";
        break;
      default:
        if (c == o.delimiter) out->push_back('\\');
        out->push_back(c);
    }
  }
}

void EncodeCsv(const CopyOptions& o, std::string_view v, std::string* out) {
  bool quote = v.empty() || v == o.null_string || v == "\\.";
  for (char c : v) {
    quote = quote || c == o.delimiter || c == o.quote || c == o.escape || c == '\n' || c == '\r';
  }
  if (!quote) {
    out->append(v);
    return;
  }
  out->push_back(o.quote);
  for (char c : v) {
    if (c == o.quote || c == o.escape) out->push_back(o.escape);
    out->push_back(c);
  }
  out->push_back(o.quote);
}

}  // namespace

size_t CopyTerminatorLength(std::string_view line) {
  if (line.size() >= 2 && line.substr(line.size() - 2) == "\r\n") return 2;
  return (!line.empty() && line.back() == '\n') ? 1 : 0;
}

bool SplitCopyRow(const CopyOptions& o, std::string_view row, std::vector<CopyField>* fields) {
  fields->clear();
  size_t start = 0;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i <= row.size(); ++i) {
    if (i < row.size()) {
      char c = row[i];
      if (o.format == CopyFormat::kText) {
        if (c == '\\' && i + 1 < row.size()) {
          ++i;  // the escaped byte is never a delimiter
          continue;
        }
      } else if (quoted) {
        if (c == o.escape && o.escape != o.quote && i + 1 < row.size() &&
            (row[i + 1] == o.quote || row[i + 1] == o.escape)) {
          ++i;
        } else if (c == o.quote) {
          if (o.escape == o.quote && i + 1 < row.size() && row[i + 1] == o.quote) {
            ++i;
          } else {
            quoted = false;
          }
        }
        continue;
      } else if (c == o.quote) {
        quoted = was_quoted = true;
        continue;
      }
      if (c != o.delimiter) continue;
    }
    std::string_view raw = row.substr(start, std::min(i, row.size()) - start);
    fields->push_back({start, start + raw.size(), !was_quoted && raw == o.null_string});
    start = i + 1;
    was_quoted = false;
  }
  return !quoted;
}

std::string_view DecodeCopyField(const CopyOptions& o, std::string_view raw, std::string* buf) {
  return o.format == CopyFormat::kText ? DecodeText(raw, buf) : DecodeCsv(o, raw, buf);
}

void EncodeCopyField(const CopyOptions& o, const std::optional<std::string>& value,
                     std::string* out) {
  if (!value) {
    out->append(o.null_string);
  } else if (o.format == CopyFormat::kText) {
    EncodeText(o, *value, out);
  } else {
    EncodeCsv(o, *value, out);
  }
}

}  // namespace pqward::mask
