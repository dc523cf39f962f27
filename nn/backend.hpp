#pragma once
// The backend interface of the network: every op the model uses, forward and backward, on raw
// buffers owned by the backend (host memory for the CPU backend, device memory for CUDA). The
// model (nn/model.hpp) is written once against this interface. T is float in the product; the CPU
// backend is also built for double, the reference of the gradient checks.
//
// Conventions (all ops):
// - Matrices are row-major with the leading dimension equal to the row length unless an ld is
//   given; shapes are written [rows, cols] on every buffer.
// - Forward ops overwrite their outputs. Backward ops ACCUMULATE into input gradients (dx += ...),
//   so fan-out and residuals need no extra code; gradient buffers start zeroed.
// - Deterministic: no op depends on the number of threads; reductions use a fixed partition and
//   a fixed summation order.
#include <cstddef>
#include <cstdint>

#include "kernels/attention_dims.hpp"

namespace at::nn {

// Multi-head scaled dot-product attention over short sequences: query sequence n attends to
// key/value sequence n / kv_group (several queries share one memory: K samples per state).
using AttentionShape = kernels::AttentionDims;

// A position of the scratch allocator (a block and an offset in it; one-block backends use offset).
struct ScratchMark {
  size_t block = 0, offset = 0;
};

struct AdamWParams {
  double lr = 1e-4, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 1e-5;
  double max_norm = 4.0;  // global-norm gradient clipping (<= 0: off)
  long step = 1;          // 1-based, for bias correction
};

template <typename T>
class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // ---- memory ---------------------------------------------------------------------------------
  // Persistent, zeroed, freed with the backend.
  virtual T* alloc(size_t n) = 0;
  // Zeroed scratch memory valid until scratch_reset() (activations of one pass).
  virtual T* scratch(size_t n) = 0;
  virtual int* scratch_int(size_t n) = 0;
  // Scratch that the caller overwrites whole before reading it (an op's output): backends may
  // skip the zeroing (the CPU's memset was a tenth of a small network's step).
  virtual T* scratch_raw(size_t n) { return scratch(n); }
  virtual void scratch_reset() = 0;
  // The scratch in use now; scratch_release(mark) frees what was taken after it (pointers from
  // before stay valid). Activation recomputation frees a block's inside with it.
  virtual ScratchMark scratch_mark() const = 0;
  virtual void scratch_release(ScratchMark mark) = 0;
  // Bytes that scratch can still grow by (host: the process's available memory; 0: unknown).
  virtual size_t memory_available() const = 0;
  virtual void upload(T* dst, const T* host, size_t n) = 0;
  virtual void upload_int(int* dst, const int* host, size_t n) = 0;
  virtual void download(T* host, const T* src, size_t n) = 0;
  virtual void copy(T* dst, const T* src, size_t n) = 0;
  virtual void zero(T* x, size_t n) = 0;

  // ---- dense ------------------------------------------------------------------------------------
  // y[M,N] = x[M,K] · w[K,N] + b[N] (b may be null).
  virtual void linear_forward(const T* x, const T* w, const T* b, T* y, int M, int K, int N) = 0;
  // The same product in a pass that no backward follows (Graph in inference), w a parameter (in
  // memory from alloc(), written only through upload, copy, zero and adamw_step): where
  // set_bf16_inference(true) took, w and x rounded to bf16 with fp32 sums.
  virtual void linear_inference(const T* x, const T* w, const T* b, T* y, int M, int K, int N) {
    linear_forward(x, w, b, y, M, K, N);
  }
  // Asks for bf16 inference products (training stays fp32); false when this backend or this CPU
  // has none, the products then stay fp32.
  virtual bool set_bf16_inference(bool on) { return !on; }
  // dx[M,K] += dy·wᵀ (dx may be null), dw[K,N] += xᵀ·dy, db[N] += Σ_rows dy (db may be null).
  virtual void linear_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, T* db, int M, int K, int N) = 0;
  // dst[rows, cols] (row stride dst_ld) = or += src[rows, cols] (row stride src_ld).
  virtual void copy2d(const T* src, int src_ld, T* dst, int dst_ld, int rows, int cols, bool accumulate) = 0;
  // y[n] += x[n] (residual connections).
  virtual void add(T* y, const T* x, size_t n) = 0;

  // ---- normalisation and activations ------------------------------------------------------------
  // y[rows, cols] = (x - mean) * rstd * gamma[cols] + beta[cols]; saves mean[rows], rstd[rows].
  virtual void layernorm_forward(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd, int rows, int cols) = 0;
  virtual void layernorm_backward(const T* x, const T* gamma, const T* mean, const T* rstd, const T* dy, T* dx,
                                  T* dgamma, T* dbeta, int rows, int cols) = 0;
  // GELU with the exact erf form: y = x·Φ(x).
  virtual void gelu_forward(const T* x, T* y, size_t n) = 0;
  virtual void gelu_backward(const T* x, const T* dy, T* dx, size_t n) = 0;
  virtual void relu_forward(const T* x, T* y, size_t n) = 0;
  virtual void relu_backward(const T* x, const T* dy, T* dx, size_t n) = 0;
  // Inverted dropout: mask[i] = 0 with probability p, else 1/(1-p), from a counter-based hash of
  // (seed, i) so every backend draws the same mask; y = x·mask.
  virtual void dropout_forward(const T* x, T* y, T* mask, size_t n, double p, uint64_t seed) = 0;
  virtual void dropout_backward(const T* mask, const T* dy, T* dx, size_t n) = 0;

  // ---- attention --------------------------------------------------------------------------------
  // q [batch, lq, q_ld] (head h in columns h·head_dim ..), k, v [batch/kv_group, kv_stride],
  // o [batch, lq, o_ld]; p [batch, heads, lq, lk] saves the probabilities for the backward pass.
  virtual void attention_forward(const T* q, const T* k, const T* v, T* o, T* p, const AttentionShape& s) = 0;
  virtual void attention_backward(const T* q, const T* k, const T* v, const T* p, const T* dout, T* dq, T* dk,
                                  T* dv, const AttentionShape& s) = 0;

  // ---- embeddings and the attentive-modes grids -------------------------------------------------
  // out[n, dim] = table[ids[i], :]; table [vocab, dim].
  virtual void embedding_forward(const T* table, const int* ids, T* out, int n, int dim) = 0;
  virtual void embedding_backward(const int* ids, const T* dout, T* dtable, int n, int vocab, int dim) = 0;
  // Grids g1, g2 [batch, S, S, c] <-> x [batch, S, 2S, c]: x[b,i,j] = g1[b,i,j] for j < S and
  // g2[b,j-S,i] for j >= S (g2 transposed). Each is the other's adjoint, so each op's backward is
  // the other op with accumulate = true.
  virtual void modes_concat(const T* g1, const T* g2, T* x, int batch, int S, int c, bool accumulate) = 0;
  virtual void modes_split(const T* x, T* g1, T* g2, int batch, int S, int c, bool accumulate) = 0;

  // ---- losses (forward and gradient in one pass) ------------------------------------------------
  // Softmax cross-entropy of logits [rows, V] against token targets[rows]:
  // row_loss[r] = -weight[r]·log softmax(logits[r])[target[r]]; dlogits (may be null) += weight[r]·
  // (softmax - onehot).
  virtual void softmax_xent(const T* logits, const int* targets, const T* weights, T* row_loss, T* dlogits,
                            int rows, int V) = 0;
  // Quantile regression with the Huber loss: pred [rows, Q] at τ_i = (i + 0.5)/Q against
  // target[rows]; row_loss[r] = weight[r]/Q · Σ_i |τ_i - 1{u<0}|·huber_δ(u), u = target - pred_i;
  // dpred (may be null) += its gradient.
  virtual void quantile_huber(const T* pred, const T* target, const T* weights, T* row_loss, T* dpred, int rows,
                              int Q, double delta) = 0;

  // ---- optimiser ----------------------------------------------------------------------------------
  // out[0] = Σ g² (fixed-order reduction).
  virtual void sum_squares(const T* g, size_t n, T* out) = 0;
  // AdamW (decoupled weight decay) with the gradient scaled by min(1, max_norm / sqrt(norm_sq[0])).
  virtual void adamw_step(T* param, const T* grad, T* m, T* v, size_t n, const T* norm_sq, const AdamWParams& a) = 0;
};

}  // namespace at::nn
