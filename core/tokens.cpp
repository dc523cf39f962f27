#include "core/tokens.hpp"

#include <stdexcept>

namespace at {

TokenCodec::TokenCodec(int S, int d, Field field, int bound) : S_(S), d_(d) {
  if (S < 1 || d < 1) throw std::invalid_argument("token codec: S and d must be positive");
  base_ = field == Field::Z2 ? 2 : 2 * bound + 1;
  offset_ = field == Field::Z2 ? 0 : bound;  // entry e <-> digit e + offset
  k_ = (3 * S + d - 1) / d;
  double v = 1;
  for (int i = 0; i < d; ++i) v *= base_;
  if (v > (1 << 24)) throw std::invalid_argument("token codec: vocabulary |F|^d is too large");
  vocab_ = int(v);
}

std::vector<int> TokenCodec::encode(const Action& a) const {
  if (int(a.u.size()) > S_ || int(a.v.size()) > S_ || int(a.w.size()) > S_)
    throw std::invalid_argument("token codec: action larger than S");
  std::vector<int> flat(size_t(k_) * d_, 0);
  for (int f = 0; f < 3; ++f) {
    const auto& x = f == 0 ? a.u : f == 1 ? a.v : a.w;
    for (size_t i = 0; i < x.size(); ++i) flat[size_t(f) * S_ + i] = x[i];
  }
  std::vector<int> tokens(k_);
  for (int t = 0; t < k_; ++t) {
    int code = 0;
    for (int e = 0; e < d_; ++e) {  // first entry is the most significant digit
      const int digit = flat[size_t(t) * d_ + e] + offset_;
      if (digit < 0 || digit >= base_) throw std::invalid_argument("token codec: entry outside F");
      code = code * base_ + digit;
    }
    tokens[t] = code;
  }
  return tokens;
}

bool TokenCodec::decode(const std::vector<int>& tokens, int d0, int d1, int d2, Action* out) const {
  if (int(tokens.size()) != k_) return false;
  std::vector<int> flat(size_t(k_) * d_);
  for (int t = 0; t < k_; ++t) {
    int code = tokens[t];
    if (code < 0 || code >= vocab_) return false;
    for (int e = d_ - 1; e >= 0; --e) {
      flat[size_t(t) * d_ + e] = code % base_ - offset_;
      code /= base_;
    }
  }
  const int sizes[3] = {d0, d1, d2};
  std::vector<int8_t>* dst[3] = {&out->u, &out->v, &out->w};
  for (int f = 0; f < 3; ++f) {
    dst[f]->assign(sizes[f], 0);
    for (int i = 0; i < S_; ++i) {
      const int x = flat[size_t(f) * S_ + i];
      if (i < sizes[f]) (*dst[f])[i] = int8_t(x);
      else if (x != 0) return false;
    }
  }
  for (size_t i = size_t(3) * S_; i < flat.size(); ++i)
    if (flat[i] != 0) return false;
  return true;
}

}  // namespace at
