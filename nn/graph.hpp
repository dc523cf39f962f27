#pragma once
// A minimal reverse-mode tape over the backend ops: each forward call allocates its output from
// the backend's scratch memory and records its backward step; backward() replays the steps in
// reverse. Values live until the backend's scratch_reset().
// Gradients of activations are allocated lazily, when the backward pass first needs them, and
// recycled (by size) once the step that first wrote the activation has run its backward: no
// later step reads them. Peak memory is then the values plus the few gradients alive at once,
// not twice the values. Parameters' gradients are the model's own persistent buffers.
// Activation recomputation (block()): a block's inside is freed right after its forward and
// computed again during its backward, so only block inputs and outputs stay alive (inference frees
// it at once).
#include <functional>
#include <initializer_list>
#include <map>
#include <vector>

#include "nn/backend.hpp"

namespace at::nn {

template <typename T>
struct Var {
  T* v = nullptr;     // value
  T* g = nullptr;     // fixed gradient buffer (parameters), or null
  int slot = -1;      // the graph's lazily allocated gradient (activations), or -1
  size_t offset = 0;  // this view's offset in the slot's buffer
  size_t n = 0;
  static Var fixed(T* value, T* grad, size_t n) { return {value, grad, -1, 0, n}; }
  Var at(size_t o) const { return {v + o, g ? g + o : nullptr, slot, offset + o, n - o}; }
};

template <typename T>
class Graph {
 public:
  // With `recompute`, block() keeps only its inputs and outputs (training only).
  Graph(Backend<T>& be, bool training, bool recompute = false)
      : be_(be), training_(training), recompute_(training && recompute) {}
  Backend<T>& backend() { return be_; }
  bool training() const { return training_; }

  // A block of ops: outputs from inputs on the given graph. It must compute the same values every
  // time it runs (capture its settings by value), since it runs again during the backward pass.
  using BlockFn = std::function<std::vector<Var<T>>(Graph&, const std::vector<Var<T>>&)>;
  // f(inputs), whose outputs have sizes `sizes`. Training without recomputation, it is just f on
  // this graph. Otherwise f runs on an inner graph whose scratch is released after its outputs
  // are copied out (inference keeps no block's inside either); with recomputation
  // the backward step runs f again from the inputs, feeds the outputs' gradients to that inner
  // graph and runs its backward, the same ops in the same order: gradients are bit-identical.
  std::vector<Var<T>> block(const BlockFn& f, const std::vector<Var<T>>& inputs, const std::vector<size_t>& sizes) {
    if (training_ && !recompute_) return f(*this, inputs);
    std::vector<Var<T>> outs;
    for (size_t n : sizes) outs.push_back(make_out(n));
    const ScratchMark mark = be_.scratch_mark();
    {
      Graph inner(be_, training_);
      const std::vector<Var<T>> o = f(inner, values(inputs, {}));
      for (size_t i = 0; i < outs.size(); ++i) be_.copy(outs[i].v, o[i].v, outs[i].n);
    }
    be_.scratch_release(mark);
    if (!training_) return outs;
    record(
        [=] {
          std::vector<T*> gin, gout;  // the outer gradients, taken before the mark
          for (const Var<T>& x : inputs) gin.push_back(grad(x));
          for (const Var<T>& y : outs) gout.push_back(grad(y));
          const ScratchMark m = be_.scratch_mark();
          {
            Graph inner(be_, true);
            const std::vector<Var<T>> o = f(inner, values(inputs, gin));
            for (size_t i = 0; i < o.size(); ++i) be_.copy(inner.grad(o[i]), gout[i], o[i].n);
            inner.backward();
          }
          be_.scratch_release(m);
        },
        {});
    // The outputs' first writer is this step (their gradients die after it).
    for (const Var<T>& y : outs) slots_[size_t(y.slot)].first_writer = int(tape_.size()) - 1;
    return outs;
  }

  // A zeroed activation (make_out: one its op overwrites whole).
  Var<T> make(size_t n) { return make_var(be_.scratch(n), n); }
  Var<T> make_out(size_t n) { return make_var(be_.scratch_raw(n), n); }
  // x's gradient buffer, zeroed when first asked for; null when x has none (inference, inputs
  // without gradient).
  T* grad(const Var<T>& x) {
    if (x.g || x.slot < 0) return x.g;
    Slot& s = slots_[size_t(x.slot)];
    if (!s.data) s.data = acquire(s.size);
    return s.data + x.offset;
  }
  // `backward` is the step's gradient code; `outputs` the activations the step writes.
  void record(std::function<void()> backward, std::initializer_list<Var<T>> outputs) {
    if (!training_) return;
    for (const Var<T>& o : outputs)
      if (o.slot >= 0 && slots_[size_t(o.slot)].first_writer < 0) slots_[size_t(o.slot)].first_writer = int(tape_.size());
    tape_.push_back(std::move(backward));
  }
  void backward() {
    std::vector<std::vector<int>> release(tape_.size());  // slots dead after each step's backward
    for (size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].first_writer >= 0) release[size_t(slots_[i].first_writer)].push_back(int(i));
    for (size_t i = tape_.size(); i-- > 0;) {
      tape_[i]();
      for (int k : release[i]) {
        Slot& s = slots_[size_t(k)];
        if (s.data) free_.emplace(s.size, s.data);
        s.data = nullptr;
      }
    }
    tape_.clear();
  }

  // y[M,N] = x[M,K]·w[K,N] + b (w a parameter: in inference the backend may use bf16).
  Var<T> linear(Var<T> x, Var<T> w, Var<T> b, int M, int K, int N) {
    Var<T> y = make_out(size_t(M) * N);
    if (training_)
      be_.linear_forward(x.v, w.v, b.v, y.v, M, K, N);
    else
      be_.linear_inference(x.v, w.v, b.v, y.v, M, K, N);
    record([=] { be_.linear_backward(x.v, w.v, grad(y), grad(x), grad(w), grad(b), M, K, N); }, {y});
    return y;
  }
  Var<T> layernorm(Var<T> x, Var<T> gamma, Var<T> beta, int rows, int cols) {
    Var<T> y = make_out(size_t(rows) * cols);
    T* mean = be_.scratch_raw(rows);
    T* rstd = be_.scratch_raw(rows);
    be_.layernorm_forward(x.v, gamma.v, beta.v, y.v, mean, rstd, rows, cols);
    record([=] { be_.layernorm_backward(x.v, gamma.v, mean, rstd, grad(y), grad(x), grad(gamma), grad(beta), rows, cols); },
           {y});
    return y;
  }
  Var<T> gelu(Var<T> x) {
    Var<T> y = make_out(x.n);
    be_.gelu_forward(x.v, y.v, x.n);
    record([=] { be_.gelu_backward(x.v, grad(y), grad(x), x.n); }, {y});
    return y;
  }
  Var<T> relu(Var<T> x) {
    Var<T> y = make_out(x.n);
    be_.relu_forward(x.v, y.v, x.n);
    record([=] { be_.relu_backward(x.v, grad(y), grad(x), x.n); }, {y});
    return y;
  }
  // Identity unless training with p > 0.
  Var<T> dropout(Var<T> x, double p, uint64_t seed) {
    if (!training_ || p <= 0) return x;
    Var<T> y = make_out(x.n);
    T* mask = be_.scratch_raw(x.n);
    be_.dropout_forward(x.v, y.v, mask, x.n, p, seed);
    record([=] { be_.dropout_backward(mask, grad(y), grad(x), x.n); }, {y});
    return y;
  }
  // y = a + b (a new buffer; the residual stream).
  Var<T> add(Var<T> a, Var<T> b) {
    Var<T> y = make_out(a.n);
    be_.copy(y.v, a.v, a.n);
    be_.add(y.v, b.v, a.n);
    record(
        [=] {
          be_.add(grad(a), grad(y), a.n);
          be_.add(grad(b), grad(y), a.n);
        },
        {y});
    return y;
  }
  // o [batch, lq, heads·head_dim] from q, k, v laid out as AttentionShape says (o_ld is set here).
  Var<T> attention(Var<T> q, Var<T> k, Var<T> v, AttentionShape s) {
    s.o_ld = s.heads * s.head_dim;
    Var<T> o = make_out(size_t(s.batch) * s.lq * s.o_ld);
    T* p = be_.scratch_raw(size_t(s.batch) * s.heads * s.lq * s.lk);
    be_.attention_forward(q.v, k.v, v.v, o.v, p, s);
    record([=] { be_.attention_backward(q.v, k.v, v.v, p, grad(o), grad(q), grad(k), grad(v), s); }, {o});
    return o;
  }
  // out [n, dim] = table rows ids (ids already in backend memory).
  Var<T> embedding(Var<T> table, const int* ids, int n, int dim) {
    Var<T> y = make_out(size_t(n) * dim);
    be_.embedding_forward(table.v, ids, y.v, n, dim);
    const int vocab = int(table.n / size_t(dim));
    record([=] { be_.embedding_backward(ids, grad(y), grad(table), n, vocab, dim); }, {y});
    return y;
  }
  Var<T> modes_concat(Var<T> g1, Var<T> g2, int batch, int S, int c) {
    Var<T> x = make_out(size_t(batch) * S * 2 * S * c);
    be_.modes_concat(g1.v, g2.v, x.v, batch, S, c, false);
    record([=] { be_.modes_split(grad(x), grad(g1), grad(g2), batch, S, c, true); }, {x});
    return x;
  }
  void modes_split(Var<T> x, Var<T>* g1, Var<T>* g2, int batch, int S, int c) {
    const Var<T> a = make_out(size_t(batch) * S * S * c), b = make_out(size_t(batch) * S * S * c);
    be_.modes_split(x.v, a.v, b.v, batch, S, c, false);
    record([=] { be_.modes_concat(grad(a), grad(b), grad(x), batch, S, c, true); }, {a, b});
    *g1 = a;
    *g2 = b;
  }
  // dst rows (row stride dst_ld) = src rows (row stride src_ld); the backward adds dst's gradient
  // to src's.
  void copy2d(Var<T> src, int src_ld, Var<T> dst, int dst_ld, int rows, int cols) {
    be_.copy2d(src.v, src_ld, dst.v, dst_ld, rows, cols, false);
    record([=] { be_.copy2d(grad(dst), dst_ld, grad(src), src_ld, rows, cols, true); }, {dst});
  }

 private:
  struct Slot {
    T* data;           // [size] while alive, else null
    size_t size;
    int first_writer;  // tape step that first wrote the activation (-1: none)
  };
  Var<T> make_var(T* value, size_t n) {
    Var<T> x{value, nullptr, -1, 0, n};
    if (training_) {
      x.slot = int(slots_.size());
      slots_.push_back({nullptr, n, -1});
    }
    return x;
  }
  // The inputs' values as fixed variables with the given gradient buffers (none when empty).
  static std::vector<Var<T>> values(const std::vector<Var<T>>& xs, const std::vector<T*>& grads) {
    std::vector<Var<T>> out;
    for (size_t i = 0; i < xs.size(); ++i) out.push_back(Var<T>::fixed(xs[i].v, grads.empty() ? nullptr : grads[i], xs[i].n));
    return out;
  }
  // A zeroed buffer of n elements: a recycled one of the same size, else fresh scratch.
  T* acquire(size_t n) {
    const auto it = free_.find(n);
    if (it == free_.end()) return be_.scratch(n);
    T* p = it->second;
    free_.erase(it);
    be_.zero(p, n);
    return p;
  }

  Backend<T>& be_;
  bool training_, recompute_;
  std::vector<std::function<void()>> tape_;
  std::vector<Slot> slots_;           // one per make() when training
  std::multimap<size_t, T*> free_;    // dead gradient buffers by size
};

}  // namespace at::nn
