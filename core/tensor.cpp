#include "core/tensor.hpp"

namespace at {

TensorI8 matmul_tensor(const Format& f) {
  TensorI8 t(f.a_size(), f.b_size(), f.c_size());
  for (int i = 0; i < f.n; ++i)
    for (int j = 0; j < f.m; ++j)
      for (int k = 0; k < f.p; ++k) t(f.a_index(i, j), f.b_index(j, k), f.c_index(i, k)) = 1;
  return t;
}

}  // namespace at
