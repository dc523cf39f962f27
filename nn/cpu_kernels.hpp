#pragma once
// The compute ops of the CPU backend, one implementation per CPU path (nn/cpu_ops.cpp, compiled
// once per path, see core/isa.hpp and cmake/AlphatensorIsa.cmake); CpuBackend forwards to the
// path in use. The contracts are those of the same ops in nn/backend.hpp.
#include "core/isa.hpp"
#include "nn/backend.hpp"

namespace at::nn {

template <typename T>
class CpuKernels {
 public:
  virtual void linear_forward(const T* x, const T* w, const T* b, T* y, int M, int K, int N) const = 0;
  virtual void linear_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, T* db, int M, int K, int N) const = 0;
  // Inference products against a weight packed once: linear_pack writes w[K,N] into
  // packed[linear_packed_size(K, N)] (64-byte aligned), laid out for this path's kernel;
  // linear_packed then computes y[M,N] = x[M,K]·w + b[N] (b may be null) from it.
  virtual size_t linear_packed_size(int K, int N) const = 0;
  virtual void linear_pack(const T* w, int K, int N, T* packed) const = 0;
  virtual void linear_packed(const T* x, const T* packed, const T* b, T* y, int M, int K, int N) const = 0;
  virtual void copy2d(const T* src, int src_ld, T* dst, int dst_ld, int rows, int cols, bool accumulate) const = 0;
  virtual void add(T* y, const T* x, size_t n) const = 0;

  virtual void layernorm_forward(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd, int rows, int cols) const = 0;
  virtual void layernorm_backward(const T* x, const T* gamma, const T* mean, const T* rstd, const T* dy, T* dx, T* dgamma,
                                  T* dbeta, int rows, int cols) const = 0;
  virtual void gelu_forward(const T* x, T* y, size_t n) const = 0;
  virtual void gelu_backward(const T* x, const T* dy, T* dx, size_t n) const = 0;
  virtual void relu_forward(const T* x, T* y, size_t n) const = 0;
  virtual void relu_backward(const T* x, const T* dy, T* dx, size_t n) const = 0;
  virtual void dropout_forward(const T* x, T* y, T* mask, size_t n, double p, uint64_t seed) const = 0;
  virtual void dropout_backward(const T* mask, const T* dy, T* dx, size_t n) const = 0;

  virtual void attention_forward(const T* q, const T* k, const T* v, T* o, T* p, const AttentionShape& s) const = 0;
  virtual void attention_backward(const T* q, const T* k, const T* v, const T* p, const T* dout, T* dq, T* dk, T* dv,
                                  const AttentionShape& s) const = 0;

  virtual void embedding_forward(const T* table, const int* ids, T* out, int n, int dim) const = 0;
  virtual void embedding_backward(const int* ids, const T* dout, T* dtable, int n, int vocab, int dim) const = 0;
  virtual void modes_concat(const T* g1, const T* g2, T* x, int batch, int S, int c, bool accumulate) const = 0;
  virtual void modes_split(const T* x, T* g1, T* g2, int batch, int S, int c, bool accumulate) const = 0;

  virtual void softmax_xent(const T* logits, const int* targets, const T* weights, T* row_loss, T* dlogits, int rows,
                            int V) const = 0;
  virtual void quantile_huber(const T* pred, const T* target, const T* weights, T* row_loss, T* dpred, int rows, int Q,
                              double delta) const = 0;

  virtual void sum_squares(const T* g, size_t n, T* out) const = 0;
  virtual void adamw_step(T* param, const T* grad, T* m, T* v, size_t n, const T* norm_sq, const AdamWParams& a) const = 0;

 protected:
  ~CpuKernels() = default;  // static objects, one per path and type
};

// Each path's entry point (the only global symbol of its object; float and double).
namespace isa_sse2 {
template <typename T>
const CpuKernels<T>& entry_cpu_kernels();
}
namespace isa_avx2 {
template <typename T>
const CpuKernels<T>& entry_cpu_kernels();
}
namespace isa_avx512 {
template <typename T>
const CpuKernels<T>& entry_cpu_kernels();
}

template <typename T>
const CpuKernels<T>& cpu_kernels(Isa isa);

}  // namespace at::nn
