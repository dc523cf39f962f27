#include "improve/meta.hpp"

#include <stdexcept>

#include "core/builtin.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"

namespace at::improve {
namespace {

void check_axis(int axis) {
  if (axis < 0 || axis > 2) throw std::invalid_argument("axis must be 0 (n), 1 (m) or 2 (p)");
}

Scheme operand(const std::string& spec, Field field) {
  if (spec == "strassen") return strassen_scheme();
  if (spec.rfind("naive:", 0) == 0) return naive_scheme(Format::parse(spec.substr(6)), field);
  return read_scheme(spec);
}

int parse_axis(const std::string& s) {
  if (s.size() != 1 || s[0] < '0' || s[0] > '2') throw std::invalid_argument("axis must be 0, 1 or 2, not '" + s + "'");
  return s[0] - '0';
}

// Brings two schemes to the weaker of their fields (a Z scheme holds over Q, mod 2 and mod 3).
void to_common_field(Scheme& a, Scheme& b) {
  if (a.field == b.field) return;
  if (is_modular(a.field) && is_modular(b.field))
    throw std::invalid_argument("cannot combine a scheme over " + field_name(a.field) + " with one over " + field_name(b.field));
  if (is_modular(a.field)) {
    b = b.reduced_mod(a.field);
  } else if (is_modular(b.field)) {
    a = a.reduced_mod(b.field);
  } else {
    a.field = b.field = Field::Q;
  }
}

}  // namespace

Scheme extend(const Scheme& s, int axis) {
  check_axis(axis);
  Format slice = s.format;
  (axis == 0 ? slice.n : axis == 1 ? slice.m : slice.p) = 1;
  return direct_sum(s, naive_scheme(slice, s.field), axis);
}

Scheme project(const Scheme& s, int axis) {
  check_axis(axis);
  const Format& f = s.format;
  Format g = f;
  int& d = axis == 0 ? g.n : axis == 1 ? g.m : g.p;
  if (d == 1) throw std::invalid_argument("cannot project " + f.str() + " along an axis of size 1");
  --d;
  Scheme out = Scheme::zeros(g, s.field, s.rank());
  for (int r = 0; r < s.rank(); ++r) {
    for (int i = 0; i < g.n; ++i)
      for (int j = 0; j < g.m; ++j) out.u_row(r)[g.a_index(i, j)] = s.u_row(r)[f.a_index(i, j)];
    for (int j = 0; j < g.m; ++j)
      for (int k = 0; k < g.p; ++k) out.v_row(r)[g.b_index(j, k)] = s.v_row(r)[f.b_index(j, k)];
    for (int i = 0; i < g.n; ++i)
      for (int k = 0; k < g.p; ++k) out.w_row(r)[g.c_index(i, k)] = s.w_row(r)[f.c_index(i, k)];
  }
  out.drop_zero_terms();
  return out;
}

Scheme merge(Scheme a, Scheme b, int axis) {
  check_axis(axis);
  to_common_field(a, b);
  return direct_sum(a, b, axis);
}

Scheme product(Scheme a, Scheme b) {
  to_common_field(a, b);
  return kronecker(a, b);
}

Scheme apply_meta(const Scheme& s, const std::string& spec) {
  const size_t colon = spec.find(':');
  const std::string op = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (op == "extend") return extend(s, parse_axis(arg));
  if (op == "project") return project(s, parse_axis(arg));
  if (op == "product") return product(s, operand(arg, s.field));
  if (op == "merge") {
    const size_t c2 = arg.find(':');
    if (c2 == std::string::npos) throw std::invalid_argument("merge needs AXIS:OPERAND, e.g. merge:0:naive:1,2,2");
    return merge(s, operand(arg.substr(c2 + 1), s.field), parse_axis(arg.substr(0, c2)));
  }
  throw std::invalid_argument("unknown meta operation '" + spec + "' (extend:AXIS, project:AXIS, merge:AXIS:OPERAND, product:OPERAND)");
}

}  // namespace at::improve
