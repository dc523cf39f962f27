#pragma once
// Dense order-3 tensors. Game states use int8 (compact, exact while entries stay in range);
// verification uses wider exact types.
#include <cstdint>
#include <vector>

#include "core/format.hpp"

namespace at {

template <typename T>
class Tensor3 {
 public:
  Tensor3() = default;
  Tensor3(int d0, int d1, int d2) : d_{d0, d1, d2}, data_(size_t(d0) * d1 * d2, T(0)) {}

  int dim(int mode) const { return d_[mode]; }
  size_t size() const { return data_.size(); }
  // Layout: row-major, index (a*d1 + b)*d2 + c.
  size_t index(int a, int b, int c) const { return (size_t(a) * d_[1] + b) * d_[2] + c; }
  T& operator()(int a, int b, int c) { return data_[index(a, b, c)]; }
  const T& operator()(int a, int b, int c) const { return data_[index(a, b, c)]; }
  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  const std::vector<T>& values() const { return data_; }
  bool is_zero() const {
    for (const T& x : data_)
      if (x != T(0)) return false;
    return true;
  }
  bool operator==(const Tensor3& o) const {
    return d_[0] == o.d_[0] && d_[1] == o.d_[1] && d_[2] == o.d_[2] && data_ == o.data_;
  }
  bool operator!=(const Tensor3& o) const { return !(*this == o); }

 private:
  int d_[3] = {0, 0, 0};
  std::vector<T> data_;
};

using TensorI8 = Tensor3<int8_t>;

// T(n,m,p): size nm × mp × pn, T[a_ij][b_jk][c_ik] = 1 (third mode indexes C transposed).
TensorI8 matmul_tensor(const Format& f);

}  // namespace at
