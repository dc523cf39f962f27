#include "core/scheme_io.hpp"

#include <algorithm>
#include <cctype>
#include <dirent.h>
#include <cmath>
#include <nlohmann/json.hpp>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "core/symmetry.hpp"

namespace at {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& name, const std::string& what) { throw InputError(name + ": " + what); }

// A sane upper bound on the number of terms: four times the naive rank.
int max_rank(const Format& f) { return 4 * f.naive_rank(); }

Rational json_coefficient(const json& x, const std::string& name, const std::string& where) {
  try {
    if (x.is_number_integer()) return Rational(x.get<int64_t>());
    if (x.is_number_unsigned()) {
      const uint64_t v = x.get<uint64_t>();
      if (v > uint64_t(INT64_MAX)) fail(name, where + ": coefficient out of range");
      return Rational(int64_t(v));
    }
    if (x.is_number_float()) {
      const double d = x.get<double>();
      if (!(std::fabs(d) < 9.0e15) || d != std::floor(d))
        fail(name, where + ": coefficient " + x.dump() + " is not an integer (write rationals as \"p/q\")");
      return Rational(int64_t(d));
    }
    if (x.is_string()) return Rational::parse(x.get<std::string>());
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    fail(name, where + ": " + e.what());
  }
  fail(name, where + ": coefficient must be an integer or a \"p/q\" string, not " + std::string(x.type_name()));
}

void json_factor(const json& rows, const char* key, int R, int width, const std::string& name,
                 std::vector<Rational>& out) {
  if (!rows.is_array()) fail(name, std::string("\"") + key + "\" must be an array of rows");
  if (int(rows.size()) != R)
    fail(name, std::string("\"") + key + "\" has " + std::to_string(rows.size()) + " rows, expected " + std::to_string(R));
  out.clear();
  out.reserve(size_t(R) * width);
  for (int r = 0; r < R; ++r) {
    const json& row = rows[size_t(r)];
    const std::string where = std::string(key) + "[" + std::to_string(r) + "]";
    if (!row.is_array() || int(row.size()) != width)
      fail(name, where + " must be an array of " + std::to_string(width) + " coefficients");
    for (const json& x : row) out.push_back(json_coefficient(x, name, where));
  }
}

int json_int(const json& x, const std::string& name, const std::string& what, int lo, int hi) {
  if (!x.is_number_integer() && !x.is_number_unsigned()) fail(name, what + " must be an integer");
  const int64_t v = x.is_number_unsigned() ? int64_t(std::min<uint64_t>(x.get<uint64_t>(), uint64_t(INT64_MAX))) : x.get<int64_t>();
  if (v < lo || v > hi) fail(name, what + " = " + std::to_string(v) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  return int(v);
}

// The first "NxMxP" (each 1..kMaxDim) in a file name.
std::optional<Format> format_in_name(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i])) || (i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1]))))
      continue;
    int d[3];
    size_t j = i;
    bool ok = true;
    for (int k = 0; k < 3 && ok; ++k) {
      if (k > 0) ok = j < s.size() && s[j++] == 'x';
      const size_t start = j;
      d[k] = 0;
      while (ok && j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])) && j - start < 3) d[k] = d[k] * 10 + (s[j++] - '0');
      ok = ok && j > start && d[k] >= 1 && d[k] <= kMaxDim;
    }
    if (ok) return Format{d[0], d[1], d[2]};
  }
  return std::nullopt;
}

// Field from content when none is declared: Q when a coefficient is fractional, else Z.
Field natural_field(const Scheme& s) { return s.all_integer() ? Field::Z : Field::Q; }

// For formats that declare no arithmetic (.exp, .txt): the natural field, or Z2 (else Z3) when
// the scheme fails there but holds mod 2 (mod 3).
Scheme with_field_from_content(Scheme s) {
  s.field = natural_field(s);
  if (!verify(s).ok)
    for (Field f : {Field::Z2, Field::Z3}) {
      try {
        Scheme reduced = s.reduced_mod(f);
        if (verify(reduced).ok) return reduced;
      } catch (const std::domain_error&) {  // a denominator divisible by the prime
      }
    }
  return s;
}

}  // namespace

SchemeFileType scheme_file_type(const std::string& path) {
  auto ends = [&](const std::string& e) {
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".json")) return SchemeFileType::Json;
  if (ends(".exp")) return SchemeFileType::Exp;
  if (ends(".txt")) return SchemeFileType::Txt;
  throw InputError(path + ": unknown scheme file type (use .json, .exp or .txt)");
}

Scheme parse_scheme_json(const std::string& text, const std::string& name) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    std::string msg = e.what();
    if (msg.size() > 200) msg = msg.substr(0, 200) + "...";
    fail(name, "not valid JSON: " + msg);
  }
  if (!j.is_object()) fail(name, "top level must be a JSON object");
  if (!j.contains("n")) fail(name, "missing \"n\" (the format [n, m, p])");
  const json& n = j["n"];
  if (!n.is_array() || n.size() != 3) fail(name, "\"n\" must be [n, m, p]");
  Scheme s;
  s.format = Format{json_int(n[0], name, "n", 1, kMaxDim), json_int(n[1], name, "m", 1, kMaxDim),
                    json_int(n[2], name, "p", 1, kMaxDim)};
  for (const char* key : {"u", "v", "w"})
    if (!j.contains(key)) fail(name, std::string("missing \"") + key + "\"");
  const int rows = j["u"].is_array() ? int(std::min<size_t>(j["u"].size(), size_t(INT32_MAX))) : 0;
  const int R = j.contains("m") ? json_int(j["m"], name, "rank \"m\"", 0, max_rank(s.format)) : rows;
  if (R > max_rank(s.format)) fail(name, "rank " + std::to_string(R) + " is implausibly large");
  json_factor(j["u"], "u", R, s.format.a_size(), name, s.u);
  json_factor(j["v"], "v", R, s.format.b_size(), name, s.v);
  json_factor(j["w"], "w", R, s.format.c_size(), name, s.w);
  // The arithmetic: "z2": true (the public format) or "field": "Z2" | "Z3" (ours, for Z3).
  std::optional<Field> declared;
  if (j.contains("z2")) {
    if (!j["z2"].is_boolean()) fail(name, "\"z2\" must be true or false");
    if (j["z2"].get<bool>()) declared = Field::Z2;
  }
  if (j.contains("field")) {
    Field f = Field::Z;
    try {
      if (!j["field"].is_string()) throw std::invalid_argument("must be a string");
      f = parse_field(j["field"].get<std::string>());
    } catch (const std::exception& e) {
      fail(name, std::string("\"field\": ") + e.what());
    }
    if (declared && f != *declared) fail(name, "\"field\": \"" + field_name(f) + "\" contradicts \"z2\": true");
    if (is_modular(f)) declared = f;
  }
  if (declared) {
    try {
      s = s.reduced_mod(*declared);
    } catch (const std::exception& e) {
      fail(name, e.what());
    }
  } else {
    s.field = natural_field(s);
  }
  return s;
}

namespace {

// Recursive-descent reader of one .exp line: factor '*' factor '*' factor, each factor either a
// parenthesised sum of [coef*]var terms or a single signed [coef*]var term.
class ExpLine {
 public:
  struct Var { char letter; int x, y; };
  struct Term { Rational coef; Var var; };

  ExpLine(const std::string& s, const std::string& where) : s_(s), where_(where) {}

  std::vector<std::vector<Term>> parse() {
    std::vector<std::vector<Term>> factors;
    for (int f = 0; f < 3; ++f) {
      if (f > 0) expect('*');
      factors.push_back(factor());
    }
    skip();
    if (pos_ != s_.size()) error("unexpected '" + std::string(1, s_[pos_]) + "'");
    return factors;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    throw InputError(where_ + ": " + what + " at column " + std::to_string(pos_ + 1));
  }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool peek(char c) {
    skip();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) error(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::vector<Term> factor() {
    std::vector<Term> terms;
    if (peek('(')) {
      ++pos_;
      terms.push_back(term(true));
      while (!peek(')')) {
        if (!peek('+') && !peek('-')) error("expected '+', '-' or ')'");
        terms.push_back(term(true));
      }
      ++pos_;
    } else {
      terms.push_back(term(true));
    }
    return terms;
  }
  Term term(bool allow_sign) {
    Rational sign = 1;
    skip();
    if (allow_sign && pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) {
      if (s_[pos_] == '-') sign = -1;
      ++pos_;
      skip();
    }
    Rational coef = 1;
    if (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      const size_t start = pos_;
      while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '/')) ++pos_;
      try {
        coef = Rational::parse(s_.substr(start, pos_ - start));
      } catch (const std::exception& e) {
        error(e.what());
      }
      expect('*');
      skip();
    }
    return Term{sign * coef, var()};
  }
  Var var() {
    if (pos_ >= s_.size() || (s_[pos_] != 'a' && s_[pos_] != 'b' && s_[pos_] != 'c'))
      error("expected a variable a.., b.. or c..");
    const char letter = s_[pos_++];
    const size_t start = pos_;
    while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    const std::string idx = s_.substr(start, pos_ - start);
    int x = 0, y = 0;
    const size_t us = idx.find('_');
    auto num = [&](const std::string& t) {
      if (t.empty() || t.size() > 3 || t.find('_') != std::string::npos) error("bad index '" + idx + "'");
      return std::stoi(t);
    };
    if (us == std::string::npos) {
      if (idx.size() != 2) error("index '" + idx + "' must be two digits (or i_j)");
      x = idx[0] - '0';
      y = idx[1] - '0';
    } else {
      x = num(idx.substr(0, us));
      y = num(idx.substr(us + 1));
    }
    if (x < 1 || y < 1 || x > kMaxDim * kMaxDim || y > kMaxDim * kMaxDim) error("index '" + idx + "' out of range");
    return Var{letter, x - 1, y - 1};
  }

  const std::string& s_;
  std::string where_;
  size_t pos_ = 0;
};

}  // namespace

Scheme parse_scheme_exp(const std::string& text, const std::string& name) {
  std::vector<std::vector<std::vector<ExpLine::Term>>> lines;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  int n = 0, m = 0, p = 0;  // largest indices seen
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    for (char c : line)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') throw InputError(name + ":" + std::to_string(lineno) + ": control character in text");
    auto factors = ExpLine(line, name + ":" + std::to_string(lineno)).parse();
    const char letters[3] = {'a', 'b', 'c'};
    for (int f = 0; f < 3; ++f)
      for (const auto& t : factors[f]) {
        if (t.var.letter != letters[f])
          throw InputError(name + ":" + std::to_string(lineno) + ": factor " + std::to_string(f + 1) +
                           " must use only " + letters[f] + " variables");
        // a_ij, b_jk, c_ki (the c factor names C transposed).
        if (f == 0) { n = std::max(n, t.var.x + 1); m = std::max(m, t.var.y + 1); }
        if (f == 1) { m = std::max(m, t.var.x + 1); p = std::max(p, t.var.y + 1); }
        if (f == 2) { p = std::max(p, t.var.x + 1); n = std::max(n, t.var.y + 1); }
      }
    lines.push_back(std::move(factors));
    if (lines.size() > size_t(4 * kMaxDim * kMaxDim * kMaxDim)) throw InputError(name + ": too many lines");
  }
  if (lines.empty()) throw InputError(name + ": no products in file");
  Format f{n, m, p};
  // A format in the file name (e.g. 3x3x3_r23.exp) wins when it covers every index seen.
  const std::string base = name.substr(name.find_last_of('/') == std::string::npos ? 0 : name.find_last_of('/') + 1);
  if (const auto named = format_in_name(base)) {
    if (named->n >= n && named->m >= m && named->p >= p) f = *named;
  }
  if (f.n > kMaxDim || f.m > kMaxDim || f.p > kMaxDim) throw InputError(name + ": format " + f.str() + " is larger than supported");
  if (int(lines.size()) > max_rank(f)) throw InputError(name + ": rank " + std::to_string(lines.size()) + " is implausibly large");
  Scheme s = Scheme::zeros(f, Field::Z, int(lines.size()));
  for (size_t r = 0; r < lines.size(); ++r)
    for (int fi = 0; fi < 3; ++fi)
      for (const auto& t : lines[r][fi]) {
        const int x = t.var.x, y = t.var.y;
        Rational& dst = fi == 0 ? s.u_row(int(r))[f.a_index(x, y)]
                      : fi == 1 ? s.v_row(int(r))[f.b_index(x, y)]
                                : s.w_row(int(r))[f.c_index(y, x)];
        try {
          dst += t.coef;
        } catch (const std::exception& e) {
          throw InputError(name + ": " + e.what());
        }
      }
  return with_field_from_content(std::move(s));
}

Scheme parse_scheme_txt(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string token;
  long long count = 0;
  // Tokens are read one by one so that an error can say which one is wrong.
  auto next = [&](const std::string& what) {
    if (!(in >> token)) fail(name, "ends early: expected " + what + " (token " + std::to_string(count + 1) + ")");
    ++count;
    return token;
  };
  int dims[3];
  for (int k = 0; k < 3; ++k) {
    const std::string t = next("the header n m p R");
    char* end = nullptr;
    const long d = std::strtol(t.c_str(), &end, 10);
    if (*end || d < 1 || d > kMaxDim)
      fail(name, "header: dimension '" + t + "' is not an integer in 1.." + std::to_string(kMaxDim));
    dims[k] = int(d);
  }
  const Format f{dims[0], dims[1], dims[2]};
  const std::string rt = next("the rank R in the header n m p R");
  char* end = nullptr;
  const long R = std::strtol(rt.c_str(), &end, 10);
  if (*end || R < 1 || R > max_rank(f)) fail(name, "header: rank '" + rt + "' is not an integer in 1.." + std::to_string(max_rank(f)));
  Scheme s = Scheme::zeros(f, Field::Z, int(R));
  const char* names[3] = {"u", "v", "w"};
  for (int which = 0; which < 3; ++which) {
    std::vector<Rational>& x = which == 0 ? s.u : which == 1 ? s.v : s.w;
    const int width = which == 0 ? f.a_size() : which == 1 ? f.b_size() : f.c_size();
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < width; ++c) {
        const std::string where = std::string(names[which]) + "[" + std::to_string(r) + "][" + std::to_string(c) + "]";
        const std::string t = next(where);
        try {
          x[size_t(r) * width + c] = Rational::parse(t);
        } catch (const std::exception& e) {
          fail(name, where + ": '" + t + "' is not a coefficient (" + e.what() + ")");
        }
      }
  }
  if (in >> token) fail(name, "unexpected '" + token + "' after the " + std::to_string(R) + " rows of u, v and w");
  return with_field_from_content(std::move(s));
}

Scheme read_scheme(const std::string& path) {
  const SchemeFileType type = scheme_file_type(path);
  const std::string text = read_file(path);
  switch (type) {
    case SchemeFileType::Json: return parse_scheme_json(text, path);
    case SchemeFileType::Exp: return parse_scheme_exp(text, path);
    case SchemeFileType::Txt: return parse_scheme_txt(text, path);
  }
  return {};
}

std::vector<std::string> scheme_files_in(const std::string& dir, bool must_exist) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (must_exist) throw InputError(dir + ": cannot open folder");
    return out;
  }
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    try {
      scheme_file_type(n);
      out.push_back(dir + "/" + n);
    } catch (const InputError&) {  // not a scheme file
    }
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

std::string var_name(char letter, int x, int y) {
  if (x < 9 && y < 9) return std::string(1, letter) + std::to_string(x + 1) + std::to_string(y + 1);
  return std::string(1, letter) + std::to_string(x + 1) + "_" + std::to_string(y + 1);
}

// "a11+a22-2*a12"; terms in index order.
std::string linear_form(const std::vector<std::pair<Rational, std::string>>& terms) {
  std::string out;
  for (const auto& [c, v] : terms) {
    if (c.is_zero()) continue;
    const bool neg = c.sign() < 0;
    const Rational a = neg ? -c : c;
    if (neg) out += "-";
    else if (!out.empty()) out += "+";
    if (a != Rational(1)) out += a.str() + "*";
    out += v;
  }
  return out;
}

size_t count_terms(const std::vector<std::pair<Rational, std::string>>& terms) {
  return std::count_if(terms.begin(), terms.end(), [](const auto& t) { return !t.first.is_zero(); });
}

std::string wrap(const std::vector<std::pair<Rational, std::string>>& terms) {
  const std::string s = linear_form(terms);
  if (count_terms(terms) == 1 && s[0] != '-' && s.find('*') == std::string::npos) return s;
  return "(" + s + ")";
}

// The first two factors of term r as (coefficient, variable) lists.
std::vector<std::pair<Rational, std::string>> a_terms(const Scheme& s, int r) {
  std::vector<std::pair<Rational, std::string>> t;
  const Format& f = s.format;
  for (int i = 0; i < f.n; ++i)
    for (int j = 0; j < f.m; ++j) t.push_back({s.u_row(r)[f.a_index(i, j)], var_name('a', i, j)});
  return t;
}
std::vector<std::pair<Rational, std::string>> b_terms(const Scheme& s, int r) {
  std::vector<std::pair<Rational, std::string>> t;
  const Format& f = s.format;
  for (int j = 0; j < f.m; ++j)
    for (int k = 0; k < f.p; ++k) t.push_back({s.v_row(r)[f.b_index(j, k)], var_name('b', j, k)});
  return t;
}

}  // namespace

std::vector<std::string> multiplication_formulas(const Scheme& s) {
  std::vector<std::string> out;
  for (int r = 0; r < s.rank(); ++r)
    out.push_back("m" + std::to_string(r + 1) + " = " + wrap(a_terms(s, r)) + "*" + wrap(b_terms(s, r)));
  return out;
}

std::vector<std::string> element_formulas(const Scheme& s) {
  std::vector<std::string> out;
  const Format& f = s.format;
  for (int i = 0; i < f.n; ++i)
    for (int k = 0; k < f.p; ++k) {
      std::vector<std::pair<Rational, std::string>> t;
      for (int r = 0; r < s.rank(); ++r) t.push_back({s.w_row(r)[f.c_index(i, k)], "m" + std::to_string(r + 1)});
      const std::string rhs = linear_form(t);
      out.push_back(var_name('c', i, k) + " = " + (rhs.empty() ? "0" : rhs));
    }
  return out;
}

std::string scheme_to_exp(const Scheme& s) {
  std::string out;
  const Format& f = s.format;
  for (int r = 0; r < s.rank(); ++r) {
    std::vector<std::pair<Rational, std::string>> c;
    for (int k = 0; k < f.p; ++k)
      for (int i = 0; i < f.n; ++i) c.push_back({s.w_row(r)[f.c_index(i, k)], var_name('c', k, i)});
    out += wrap(a_terms(s, r)) + "*" + wrap(b_terms(s, r)) + "*" + wrap(c) + "\n";
  }
  return out;
}

std::string scheme_to_json(const Scheme& s) {
  auto coef = [](const Rational& q) { return q.is_integer() ? json(q.num()) : json(q.str()); };
  auto rows = [&](const std::vector<Rational>& x, int width) {
    std::string out = "[\n";
    for (int r = 0; r < s.rank(); ++r) {
      json row = json::array();
      for (int c = 0; c < width; ++c) row.push_back(coef(x[size_t(r) * width + c]));
      out += "  " + row.dump() + (r + 1 < s.rank() ? ",\n" : "\n");
    }
    return out + " ]";
  };
  auto strings = [](const std::vector<std::string>& v) {
    std::string out = "[\n";
    for (size_t i = 0; i < v.size(); ++i) out += "  " + json(v[i]).dump() + (i + 1 < v.size() ? ",\n" : "\n");
    return out + " ]";
  };
  const Format& f = s.format;
  std::ostringstream o;
  o << "{\"n\": [" << f.n << ", " << f.m << ", " << f.p << "], \"m\": " << s.rank()
    << ", \"z2\": " << (s.field == Field::Z2 ? "true" : "false") << ", \"field\": \"" << field_name(s.field) << "\",\n";
  // A cyclic-invariant scheme says so (readers ignore these keys; verify recomputes them).
  if (f.n == f.m && f.m == f.p)
    if (const auto orbits = cyclic_orbits(s))
      o << "\"symmetry\": \"cyclic\", \"cyclic_fixed_terms\": " << orbits->fixed.size()
        << ", \"cyclic_orbits\": " << orbits->orbits.size() << ",\n";
  o << "\"u\": " << rows(s.u, f.a_size()) << ",\n"
    << "\"v\": " << rows(s.v, f.b_size()) << ",\n"
    << "\"w\": " << rows(s.w, f.c_size()) << ",\n"
    << "\"multiplications\": " << strings(multiplication_formulas(s)) << ",\n"
    << "\"elements\": " << strings(element_formulas(s)) << "\n}\n";
  return o.str();
}

std::string scheme_to_txt(const Scheme& s) {
  const Format& f = s.format;
  std::string out = std::to_string(f.n) + " " + std::to_string(f.m) + " " + std::to_string(f.p) + " " +
                    std::to_string(s.rank()) + "\n";
  auto rows = [&](const std::vector<Rational>& x, int width) {
    for (int r = 0; r < s.rank(); ++r)
      for (int c = 0; c < width; ++c) out += x[size_t(r) * width + c].str() + (c + 1 < width ? " " : "\n");
  };
  rows(s.u, f.a_size());
  rows(s.v, f.b_size());
  rows(s.w, f.c_size());
  return out;
}

void write_scheme(const std::string& path, const Scheme& s) {
  const SchemeFileType type = scheme_file_type(path);
  const VerifyResult v = verify(s);
  if (!v.ok)
    throw std::runtime_error(path + ": refusing to write a scheme that is not valid over " +
                             field_name(s.field) + ": " + v.error);
  write_file_atomic(path, type == SchemeFileType::Json ? scheme_to_json(s)
                          : type == SchemeFileType::Exp ? scheme_to_exp(s)
                                                        : scheme_to_txt(s));
}

}  // namespace at
