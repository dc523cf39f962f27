#pragma once
// A fast reader for the JSON lines the runs write (metrics.jsonl, found.jsonl): one object per
// line whose top-level values are mostly scalars. It reads those scalars and skips nested values,
// so a million-line metrics file reads in about a second (a full JSON parser takes several times
// as long). A line that is not one complete object is rejected, which is how a torn last line (a
// run killed mid-write) is told apart.
#include <string>
#include <string_view>
#include <vector>

namespace at::report {

struct JsonValue {
  enum Kind { Number, String, Bool, Null, Nested } kind = Null;
  double number = 0;      // Bool as 0/1 (a Number's value: JsonLine::number)
  std::string_view text;  // Number: its text; String: the raw text between the quotes (escapes kept); Nested: the raw value
  std::string str() const;  // String unescaped (\" \\ \/ \n \t; \uXXXX kept as written)
};

struct JsonLine {
  std::vector<std::pair<std::string_view, JsonValue>> fields;  // views into the parsed line
  const JsonValue* get(std::string_view key) const;
  bool number(std::string_view key, double& out) const;
  std::string string(std::string_view key) const;  // "" if absent or not a string
};

// Parses one line (no trailing newline). The line must outlive `out`. False: not one complete
// JSON object.
bool parse_json_line(std::string_view line, JsonLine& out);

}  // namespace at::report
