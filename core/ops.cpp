#include "core/ops.hpp"

#include <numeric>
#include <stdexcept>

#include "core/rng.hpp"

namespace at {
namespace {

// Transposes each row of a factor matrix whose rows are r×c row-major blocks.
std::vector<Rational> transpose_rows(const std::vector<Rational>& x, int R, int r, int c) {
  std::vector<Rational> y(x.size());
  for (int t = 0; t < R; ++t)
    for (int i = 0; i < r; ++i)
      for (int j = 0; j < c; ++j) y[size_t(t) * r * c + j * r + i] = x[size_t(t) * r * c + i * c + j];
  return y;
}

}  // namespace

Scheme cyclic_shift(const Scheme& s) {
  Scheme o;
  o.format = Format{s.format.m, s.format.p, s.format.n};
  o.field = s.field;
  o.u = s.v;
  o.v = s.w;
  o.w = s.u;
  return o;
}

Scheme transpose(const Scheme& s) {
  const Format& f = s.format;
  const int R = s.rank();
  Scheme o;
  o.format = Format{f.p, f.m, f.n};
  o.field = s.field;
  o.u = transpose_rows(s.v, R, f.m, f.p);  // B (m×p) -> B^T (p×m)
  o.v = transpose_rows(s.u, R, f.n, f.m);  // A (n×m) -> A^T (m×n)
  o.w = transpose_rows(s.w, R, f.p, f.n);  // C^T (p×n) -> C (n×p) = (C')^T for C' = C^T
  return o;
}

std::vector<Scheme> all_permutations(const Scheme& s) {
  std::vector<Scheme> out;
  Scheme c = s;
  for (int i = 0; i < 3; ++i) {
    out.push_back(c);
    out.push_back(transpose(c));
    c = cyclic_shift(c);
  }
  return out;
}

Scheme to_format(const Scheme& s, const Format& target) {
  for (Scheme& c : all_permutations(s))
    if (c.format == target) return c;
  throw std::invalid_argument(target.str() + " is not a permutation of " + s.format.str());
}

Scheme kronecker(const Scheme& s1, const Scheme& s2) {
  if (s1.field != s2.field && (is_modular(s1.field) || is_modular(s2.field)))
    throw std::invalid_argument("cannot combine a scheme over " + field_name(s1.field) + " with one over " + field_name(s2.field));
  const Format& f1 = s1.format;
  const Format& f2 = s2.format;
  const Format f{f1.n * f2.n, f1.m * f2.m, f1.p * f2.p};
  const Field field = s1.field == Field::Q || s2.field == Field::Q ? Field::Q : s1.field;
  Scheme o = Scheme::zeros(f, field, s1.rank() * s2.rank());
  auto reduce = [&](const Rational& x) { return reduce_in(field, x); };
  int r = 0;
  for (int r1 = 0; r1 < s1.rank(); ++r1)
    for (int r2 = 0; r2 < s2.rank(); ++r2, ++r) {
      for (int i1 = 0; i1 < f1.n; ++i1) for (int i2 = 0; i2 < f2.n; ++i2)
        for (int j1 = 0; j1 < f1.m; ++j1) for (int j2 = 0; j2 < f2.m; ++j2)
          o.u_row(r)[f.a_index(i1 * f2.n + i2, j1 * f2.m + j2)] =
              reduce(s1.u_row(r1)[f1.a_index(i1, j1)] * s2.u_row(r2)[f2.a_index(i2, j2)]);
      for (int j1 = 0; j1 < f1.m; ++j1) for (int j2 = 0; j2 < f2.m; ++j2)
        for (int k1 = 0; k1 < f1.p; ++k1) for (int k2 = 0; k2 < f2.p; ++k2)
          o.v_row(r)[f.b_index(j1 * f2.m + j2, k1 * f2.p + k2)] =
              reduce(s1.v_row(r1)[f1.b_index(j1, k1)] * s2.v_row(r2)[f2.b_index(j2, k2)]);
      for (int i1 = 0; i1 < f1.n; ++i1) for (int i2 = 0; i2 < f2.n; ++i2)
        for (int k1 = 0; k1 < f1.p; ++k1) for (int k2 = 0; k2 < f2.p; ++k2)
          o.w_row(r)[f.c_index(i1 * f2.n + i2, k1 * f2.p + k2)] =
              reduce(s1.w_row(r1)[f1.c_index(i1, k1)] * s2.w_row(r2)[f2.c_index(i2, k2)]);
    }
  return o;
}

Scheme direct_sum(const Scheme& s1, const Scheme& s2, int axis) {
  const Format& f1 = s1.format;
  const Format& f2 = s2.format;
  if (axis < 0 || axis > 2) throw std::invalid_argument("direct sum axis must be 0, 1 or 2");
  const int d1[3] = {f1.n, f1.m, f1.p}, d2[3] = {f2.n, f2.m, f2.p};
  for (int a = 0; a < 3; ++a)
    if (a != axis && d1[a] != d2[a])
      throw std::invalid_argument("direct sum of " + f1.str() + " and " + f2.str() +
                                  ": the other dimensions differ");
  if (s1.field != s2.field) throw std::invalid_argument("direct sum of schemes over different fields");
  Format f = f1;
  (axis == 0 ? f.n : axis == 1 ? f.m : f.p) += d2[axis];
  Scheme o = Scheme::zeros(f, s1.field, s1.rank() + s2.rank());
  // Offsets of the second block along (i, j, k).
  auto place = [&](const Scheme& s, int r0, int oi, int oj, int ok) {
    const Format& g = s.format;
    for (int r = 0; r < s.rank(); ++r) {
      for (int i = 0; i < g.n; ++i)
        for (int j = 0; j < g.m; ++j) o.u_row(r0 + r)[f.a_index(i + oi, j + oj)] = s.u_row(r)[g.a_index(i, j)];
      for (int j = 0; j < g.m; ++j)
        for (int k = 0; k < g.p; ++k) o.v_row(r0 + r)[f.b_index(j + oj, k + ok)] = s.v_row(r)[g.b_index(j, k)];
      for (int i = 0; i < g.n; ++i)
        for (int k = 0; k < g.p; ++k) o.w_row(r0 + r)[f.c_index(i + oi, k + ok)] = s.w_row(r)[g.c_index(i, k)];
    }
  };
  place(s1, 0, 0, 0, 0);
  place(s2, s1.rank(), axis == 0 ? f1.n : 0, axis == 1 ? f1.m : 0, axis == 2 ? f1.p : 0);
  return o;
}

Scheme change_basis(const Scheme& s, const Mat& A, const Mat& B, const Mat& C) {
  const Format& f = s.format;
  if (A.rows != f.a_size() || A.cols != f.a_size() || B.rows != f.b_size() ||
      B.cols != f.b_size() || C.rows != f.c_size() || C.cols != f.c_size())
    throw std::invalid_argument("change of basis: matrix sizes do not match " + f.str());
  Scheme o = Scheme::zeros(f, s.field, s.rank());
  auto reduce = [&](std::vector<Rational> x) {
    for (auto& q : x) q = reduce_in(s.field, q);
    return x;
  };
  for (int r = 0; r < s.rank(); ++r) {
    auto u = reduce(A.apply(s.u_row(r)));
    auto v = reduce(B.apply(s.v_row(r)));
    auto w = reduce(C.apply(s.w_row(r)));
    std::copy(u.begin(), u.end(), o.u_row(r));
    std::copy(v.begin(), v.end(), o.v_row(r));
    std::copy(w.begin(), w.end(), o.w_row(r));
  }
  return o;
}

Scheme sandwich(const Scheme& s, const Mat& X, const Mat& Y, const Mat& Z) {
  const Format& f = s.format;
  if (X.rows != f.n || Y.rows != f.m || Z.rows != f.p)
    throw std::invalid_argument("sandwich: matrix sizes do not match " + f.str());
  const Field field = s.field;
  const Mat Xt = X.transposed(), Yt = Y.transposed(), Xi = inverse(X, field);
  const Mat Yit = inverse(Y, field).transposed(), Zit = inverse(Z, field).transposed();
  auto reduce = [&](const Rational& q) { return reduce_in(field, q); };
  // Factor row <-> matrix, with index(i, j) giving the position of entry (i, j) in the row.
  auto to_mat = [](const Rational* row, int r, int c, auto index) {
    Mat m(r, c);
    for (int i = 0; i < r; ++i)
      for (int j = 0; j < c; ++j) m(i, j) = row[index(i, j)];
    return m;
  };
  auto from_mat = [&](const Mat& m, Rational* row, auto index) {
    for (int i = 0; i < m.rows; ++i)
      for (int j = 0; j < m.cols; ++j) row[index(i, j)] = reduce(m(i, j));
  };
  auto ai = [&](int i, int j) { return f.a_index(i, j); };
  auto bi = [&](int j, int k) { return f.b_index(j, k); };
  auto ci = [&](int i, int k) { return f.c_index(i, k); };
  Scheme o = Scheme::zeros(f, field, s.rank());
  for (int r = 0; r < s.rank(); ++r) {
    // u'(A) = u(X A Y⁻¹) gives U' = Xᵀ U Y⁻ᵀ; likewise V' = Yᵀ V Z⁻ᵀ; W' = X⁻¹ W Z.
    from_mat(Xt * to_mat(s.u_row(r), f.n, f.m, ai) * Yit, o.u_row(r), ai);
    from_mat(Yt * to_mat(s.v_row(r), f.m, f.p, bi) * Zit, o.v_row(r), bi);
    from_mat(Xi * to_mat(s.w_row(r), f.n, f.p, ci) * Z, o.w_row(r), ci);
  }
  return o;
}

Mat random_signed_permutation(int n, Rng& rng) {
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  rng.shuffle(perm);
  Mat m(n, n);
  for (int i = 0; i < n; ++i) m(i, perm[i]) = rng.uniform_int(0, 1) ? 1 : -1;
  return m;
}

}  // namespace at
