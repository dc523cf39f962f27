#include "core/builtin.hpp"

namespace at {

Scheme naive_scheme(const Format& f, Field field) {
  Scheme s = Scheme::zeros(f, field, f.naive_rank());
  int r = 0;
  for (int i = 0; i < f.n; ++i)
    for (int j = 0; j < f.m; ++j)
      for (int k = 0; k < f.p; ++k, ++r) {
        s.u_row(r)[f.a_index(i, j)] = 1;
        s.v_row(r)[f.b_index(j, k)] = 1;
        s.w_row(r)[f.c_index(i, k)] = 1;
      }
  return s;
}

Scheme strassen_scheme() {
  // Rows: u over (a11,a12,a21,a22), v over (b11,b12,b21,b22), w over (c11,c21,c12,c22), the
  // third factor indexing C transposed.
  static const int U[7][4] = {{1, 0, 0, 1}, {0, 0, 1, 1}, {1, 0, 0, 0}, {0, 0, 0, 1},
                              {1, 1, 0, 0}, {-1, 0, 1, 0}, {0, 1, 0, -1}};
  static const int V[7][4] = {{1, 0, 0, 1}, {1, 0, 0, 0}, {0, 1, 0, -1}, {-1, 0, 1, 0},
                              {0, 0, 0, 1}, {1, 1, 0, 0}, {0, 0, 1, 1}};
  // M1 -> c11,c22; M2 -> c21,-c22; M3 -> c12,c22; M4 -> c11,c21; M5 -> -c11,c12; M6 -> c22;
  // M7 -> c11.
  static const int W[7][4] = {{1, 0, 0, 1}, {0, 1, 0, -1}, {0, 0, 1, 1}, {1, 1, 0, 0},
                              {-1, 0, 1, 0}, {0, 0, 0, 1}, {1, 0, 0, 0}};
  const Format f{2, 2, 2};
  Scheme s = Scheme::zeros(f, Field::Z, 7);
  for (int r = 0; r < 7; ++r)
    for (int x = 0; x < 4; ++x) {
      s.u_row(r)[x] = U[r][x];
      s.v_row(r)[x] = V[r][x];
      s.w_row(r)[x] = W[r][x];
    }
  return s;
}

}  // namespace at
