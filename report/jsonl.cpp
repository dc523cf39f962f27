#include "report/jsonl.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace at::report {
namespace {

struct Cursor {
  const char* p;
  const char* end;
  void space() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
  }
};

// After the opening quote; leaves p after the closing quote.
bool skip_string(Cursor& c) {
  while (c.p < c.end) {
    const char* quote = static_cast<const char*>(std::memchr(c.p, '"', size_t(c.end - c.p)));
    if (!quote) return false;
    size_t backslashes = 0;  // an odd number before the quote escapes it
    for (const char* b = quote; b > c.p && b[-1] == '\\'; --b) ++backslashes;
    c.p = quote + 1;
    if (backslashes % 2 == 0) return true;
  }
  return false;
}

// A nested object or array, balanced, strings respected.
bool skip_nested(Cursor& c) {
  int depth = 0;
  while (c.p < c.end) {
    const char ch = *c.p++;
    if (ch == '"') {
      if (!skip_string(c)) return false;
    } else if (ch == '{' || ch == '[') {
      ++depth;
    } else if (ch == '}' || ch == ']') {
      if (--depth == 0) return true;
    }
  }
  return false;
}

bool literal(Cursor& c, const char* word) {
  const size_t n = std::strlen(word);
  if (size_t(c.end - c.p) < n || std::memcmp(c.p, word, n) != 0) return false;
  c.p += n;
  return true;
}

bool value(Cursor& c, JsonValue& v) {
  if (c.p == c.end) return false;
  const char* start = c.p;
  switch (*c.p) {
    case '"':
      ++c.p;
      if (!skip_string(c)) return false;
      v.kind = JsonValue::String;
      v.text = std::string_view(start + 1, size_t(c.p - start - 2));
      return true;
    case '{':
    case '[':
      if (!skip_nested(c)) return false;
      v.kind = JsonValue::Nested;
      v.text = std::string_view(start, size_t(c.p - start));
      return true;
    case 't':
      v.kind = JsonValue::Bool, v.number = 1;
      return literal(c, "true");
    case 'f':
      v.kind = JsonValue::Bool, v.number = 0;
      return literal(c, "false");
    case 'n':
      v.kind = JsonValue::Null;
      return literal(c, "null");
    default: {
      while (c.p < c.end && (std::isdigit(static_cast<unsigned char>(*c.p)) || *c.p == '-' || *c.p == '+' ||
                             *c.p == '.' || *c.p == 'e' || *c.p == 'E'))
        ++c.p;
      if (c.p == start) return false;
      v.kind = JsonValue::Number;
      v.text = std::string_view(start, size_t(c.p - start));
      return true;  // converted when asked for (JsonLine::number): most numbers of a line go unused
    }
  }
}

// Decimal text to double without strtod's exact rounding (a chart needs no last bit; strtod
// was most of the reading time): up to 19 significant digits, then a power of ten.
bool to_double(std::string_view t, double& out) {
  const char* p = t.data();
  const char* end = p + t.size();
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  uint64_t mantissa = 0;
  int digits = 0, exponent = 0;
  bool any = false;
  for (; p < end && std::isdigit(static_cast<unsigned char>(*p)); ++p, any = true)
    if (digits < 19) mantissa = mantissa * 10 + uint64_t(*p - '0'), digits += mantissa > 0;
    else ++exponent;
  if (p < end && *p == '.')
    for (++p; p < end && std::isdigit(static_cast<unsigned char>(*p)); ++p, any = true)
      if (digits < 19) mantissa = mantissa * 10 + uint64_t(*p - '0'), digits += mantissa > 0, --exponent;
  if (!any) return false;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    const bool minus = p < end && *p == '-';
    if (p < end && (*p == '-' || *p == '+')) ++p;
    int e = 0;
    if (p == end) return false;
    for (; p < end && std::isdigit(static_cast<unsigned char>(*p)); ++p) e = std::min(e * 10 + (*p - '0'), 100000);
    exponent += minus ? -e : e;
  }
  if (p != end) return false;
  static const double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  double v = double(mantissa);
  if (exponent >= 0 && exponent <= 22) v *= kPow10[exponent];
  else if (exponent < 0 && exponent >= -22) v /= kPow10[-exponent];
  else v *= std::pow(10.0, exponent);
  out = negative ? -v : v;
  return true;
}

}  // namespace

std::string JsonValue::str() const {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char e = text[++i];
    if (e == 'u') out += '\\';  // \uXXXX stays as written
    out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
  }
  return out;
}

const JsonValue* JsonLine::get(std::string_view key) const {
  for (const auto& f : fields)
    if (f.first == key) return &f.second;
  return nullptr;
}

bool JsonLine::number(std::string_view key, double& out) const {
  const JsonValue* v = get(key);
  return v && v->kind == JsonValue::Number && to_double(v->text, out);
}

std::string JsonLine::string(std::string_view key) const {
  const JsonValue* v = get(key);
  return v && v->kind == JsonValue::String ? v->str() : std::string();
}

bool parse_json_line(std::string_view line, JsonLine& out) {
  out.fields.clear();
  Cursor c{line.data(), line.data() + line.size()};
  c.space();
  if (c.p == c.end || *c.p != '{') return false;
  ++c.p;
  c.space();
  if (c.p < c.end && *c.p == '}') {
    ++c.p;
  } else {
    while (true) {
      c.space();
      if (c.p == c.end || *c.p != '"') return false;
      const char* key = ++c.p;
      if (!skip_string(c)) return false;
      const std::string_view name(key, size_t(c.p - key - 1));
      c.space();
      if (c.p == c.end || *c.p != ':') return false;
      ++c.p;
      c.space();
      JsonValue v;
      if (!value(c, v)) return false;
      out.fields.emplace_back(name, v);
      c.space();
      if (c.p == c.end) return false;
      if (*c.p == '}') {
        ++c.p;
        break;
      }
      if (*c.p != ',') return false;
      ++c.p;
    }
  }
  c.space();
  return c.p == c.end;
}

}  // namespace at::report
