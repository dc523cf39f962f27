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

namespace {

Scheme two_by_two(const int U[7][4], const int V[7][4], const int W[7][4]) {
  Scheme s = Scheme::zeros(Format{2, 2, 2}, Field::Z, 7);
  for (int r = 0; r < 7; ++r)
    for (int x = 0; x < 4; ++x) {
      s.u_row(r)[x] = U[r][x];
      s.v_row(r)[x] = V[r][x];
      s.w_row(r)[x] = W[r][x];
    }
  return s;
}

}  // namespace

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
  return two_by_two(U, V, W);
}

Scheme winograd_scheme() {
  // S1 = a21+a22, S2 = S1-a11, S3 = a11-a21, S4 = a12-S2; T1 = b12-b11, T2 = b22-T1,
  // T3 = b22-b12, T4 = T2-b21; M1 = a11·b11, M2 = a12·b21, M3 = S4·b22, M4 = a22·T4, M5 = S1·T1,
  // M6 = S2·T2, M7 = S3·T3; c11 = M1+M2, c12 = M1+M6+M5+M3, c21 = M1+M6+M7-M4, c22 = M1+M6+M7+M5.
  static const int U[7][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {1, 1, -1, -1}, {0, 0, 0, 1},
                              {0, 0, 1, 1}, {-1, 0, 1, 1}, {1, 0, -1, 0}};
  static const int V[7][4] = {{1, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {1, -1, -1, 1},
                              {-1, 1, 0, 0}, {1, -1, 0, 1}, {0, -1, 0, 1}};
  static const int W[7][4] = {{1, 1, 1, 1}, {1, 0, 0, 0}, {0, 0, 1, 0}, {0, -1, 0, 0},
                              {0, 0, 1, 1}, {0, 1, 1, 1}, {0, 1, 0, 1}};
  return two_by_two(U, V, W);
}

}  // namespace at
