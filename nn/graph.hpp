#pragma once
// A minimal reverse-mode tape over the backend ops: each forward call allocates its output (and,
// when training, a zeroed gradient of the same shape) from the backend's scratch memory and
// records its backward step; backward() replays the steps in reverse. Buffers live until the
// backend's scratch_reset().
#include <functional>
#include <vector>

#include "nn/backend.hpp"

namespace at::nn {

template <typename T>
struct Var {
  T* v = nullptr;  // value
  T* g = nullptr;  // gradient (null when not training)
  size_t n = 0;
  Var at(size_t offset) const { return {v + offset, g ? g + offset : nullptr, n - offset}; }
};

template <typename T>
class Graph {
 public:
  Graph(Backend<T>& be, bool training) : be_(be), training_(training) {}
  Backend<T>& backend() { return be_; }
  bool training() const { return training_; }

  Var<T> make(size_t n) { return {be_.scratch(n), training_ ? be_.scratch(n) : nullptr, n}; }
  void record(std::function<void()> backward) {
    if (training_) tape_.push_back(std::move(backward));
  }
  void backward() {
    for (size_t i = tape_.size(); i-- > 0;) tape_[i]();
    tape_.clear();
  }

  // y[M,N] = x[M,K]·w[K,N] + b.
  Var<T> linear(Var<T> x, Var<T> w, Var<T> b, int M, int K, int N) {
    Var<T> y = make(size_t(M) * N);
    be_.linear_forward(x.v, w.v, b.v, y.v, M, K, N);
    record([=] { be_.linear_backward(x.v, w.v, y.g, x.g, w.g, b.g, M, K, N); });
    return y;
  }
  Var<T> layernorm(Var<T> x, Var<T> gamma, Var<T> beta, int rows, int cols) {
    Var<T> y = make(size_t(rows) * cols);
    T* mean = be_.scratch(rows);
    T* rstd = be_.scratch(rows);
    be_.layernorm_forward(x.v, gamma.v, beta.v, y.v, mean, rstd, rows, cols);
    record([=] { be_.layernorm_backward(x.v, gamma.v, mean, rstd, y.g, x.g, gamma.g, beta.g, rows, cols); });
    return y;
  }
  Var<T> gelu(Var<T> x) {
    Var<T> y = make(x.n);
    be_.gelu_forward(x.v, y.v, x.n);
    record([=] { be_.gelu_backward(x.v, y.g, x.g, x.n); });
    return y;
  }
  Var<T> relu(Var<T> x) {
    Var<T> y = make(x.n);
    be_.relu_forward(x.v, y.v, x.n);
    record([=] { be_.relu_backward(x.v, y.g, x.g, x.n); });
    return y;
  }
  // Identity unless training with p > 0.
  Var<T> dropout(Var<T> x, double p, uint64_t seed) {
    if (!training_ || p <= 0) return x;
    Var<T> y = make(x.n);
    T* mask = be_.scratch(x.n);
    be_.dropout_forward(x.v, y.v, mask, x.n, p, seed);
    record([=] { be_.dropout_backward(mask, y.g, x.g, x.n); });
    return y;
  }
  // y = a + b (a new buffer; the residual stream).
  Var<T> add(Var<T> a, Var<T> b) {
    Var<T> y = make(a.n);
    be_.copy(y.v, a.v, a.n);
    be_.add(y.v, b.v, a.n);
    record([=] {
      be_.add(a.g, y.g, a.n);
      be_.add(b.g, y.g, a.n);
    });
    return y;
  }
  // o [batch, lq, heads·head_dim] from q, k, v laid out as AttentionShape says (o_ld is set here).
  Var<T> attention(Var<T> q, Var<T> k, Var<T> v, AttentionShape s) {
    s.o_ld = s.heads * s.head_dim;
    Var<T> o = make(size_t(s.batch) * s.lq * s.o_ld);
    T* p = be_.scratch(size_t(s.batch) * s.heads * s.lq * s.lk);
    be_.attention_forward(q.v, k.v, v.v, o.v, p, s);
    record([=] { be_.attention_backward(q.v, k.v, v.v, p, o.g, q.g, k.g, v.g, s); });
    return o;
  }
  // out [n, dim] = table rows ids (ids already in backend memory).
  Var<T> embedding(Var<T> table, const int* ids, int n, int dim) {
    Var<T> y = make(size_t(n) * dim);
    be_.embedding_forward(table.v, ids, y.v, n, dim);
    const int vocab = int(table.n / size_t(dim));
    record([=] { be_.embedding_backward(ids, y.g, table.g, n, vocab, dim); });
    return y;
  }
  Var<T> modes_concat(Var<T> g1, Var<T> g2, int batch, int S, int c) {
    Var<T> x = make(size_t(batch) * S * 2 * S * c);
    be_.modes_concat(g1.v, g2.v, x.v, batch, S, c, false);
    record([=] { be_.modes_split(x.g, g1.g, g2.g, batch, S, c, true); });
    return x;
  }
  void modes_split(Var<T> x, Var<T>* g1, Var<T>* g2, int batch, int S, int c) {
    const Var<T> a = make(size_t(batch) * S * S * c), b = make(size_t(batch) * S * S * c);
    be_.modes_split(x.v, a.v, b.v, batch, S, c, false);
    record([=] { be_.modes_concat(a.g, b.g, x.g, batch, S, c, true); });
    *g1 = a;
    *g2 = b;
  }
  // dst rows (row stride dst_ld) = src rows (row stride src_ld); the backward adds dst's gradient
  // to src's.
  void copy2d(Var<T> src, int src_ld, Var<T> dst, int dst_ld, int rows, int cols) {
    be_.copy2d(src.v, src_ld, dst.v, dst_ld, rows, cols, false);
    record([=] { be_.copy2d(dst.g, dst_ld, src.g, src_ld, rows, cols, true); });
  }

 private:
  Backend<T>& be_;
  bool training_;
  std::vector<std::function<void()>> tape_;
};

}  // namespace at::nn
