#include "report/jsonl.hpp"

#include <cstdlib>
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
    const char ch = *c.p++;
    if (ch == '\\') {
      if (c.p == c.end) return false;
      ++c.p;
    } else if (ch == '"') {
      return true;
    }
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
      // strtod stops at the first character that cannot continue a number (',' '}' or the end of
      // the caller's buffer, which std::string keeps NUL-terminated).
      char* stop = nullptr;
      v.number = std::strtod(c.p, &stop);
      if (stop == c.p || stop > c.end) return false;
      v.kind = JsonValue::Number;
      c.p = stop;
      return true;
    }
  }
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
  if (!v || v->kind != JsonValue::Number) return false;
  out = v->number;
  return true;
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
