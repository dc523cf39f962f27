#pragma once
// The CPU reference backend: Eigen for the dense products, oneTBB across rows/sequences. Built
// for float (the product) and double (the reference of the gradient checks). Work is cut into
// chunks whose size depends only on the shapes, never on the thread count, and partial sums are
// added in chunk order, so results are bit-identical for any number of threads. The compute ops
// run on one CPU path (core/isa.hpp): the one in use, or the one given to the constructor.
// Inference products (Graph without backward) read each weight packed once, on first use after it
// was last written: for this path's kernel (CpuKernels::linear_packed), or optionally (float,
// AVX512-BF16 on the avx512 path) rounded to bf16 and run on AMX tiles where the CPU has them
// (nn/cpu_bf16.hpp). A packed copy holds as much memory as its weight (bf16: half).
// One caller thread at a time (the scratch allocator is unsynchronised); each op runs its own
// parallel loops inside.
#include <cstdint>
#include <map>
#include <memory>
#include <new>
#include <vector>

#include "core/isa.hpp"
#include "nn/backend.hpp"
#include "nn/cpu_kernels.hpp"

namespace at::nn {

// The kernel of bf16 inference products on CPU path `isa`: "AMX", "AVX512-BF16", or null (none:
// no AVX512-BF16, or a path other than avx512).
const char* cpu_bf16_kernel(Isa isa);

template <typename T>
class CpuBackend final : public Backend<T> {
 public:
  CpuBackend() : CpuBackend(active_isa()) {}
  explicit CpuBackend(Isa isa) : isa_(isa), k_(&cpu_kernels<T>(isa)) {}
  const char* name() const override { return "cpu"; }
  Isa isa() const { return isa_; }

  T* alloc(size_t n) override;
  T* scratch(size_t n) override;
  T* scratch_raw(size_t n) override;
  int* scratch_int(size_t n) override;
  void scratch_reset() override;
  ScratchMark scratch_mark() const override { return {block_, offset_}; }
  void scratch_release(ScratchMark m) override;
  size_t memory_available() const override;
  void upload(T* dst, const T* host, size_t n) override;
  void upload_int(int* dst, const int* host, size_t n) override;
  void download(T* host, const T* src, size_t n) override;
  void copy(T* dst, const T* src, size_t n) override;
  void zero(T* x, size_t n) override;

  void linear_forward(const T* x, const T* w, const T* b, T* y, int M, int K, int N) override {
    k_->linear_forward(x, w, b, y, M, K, N);
  }
  void linear_inference(const T* x, const T* w, const T* b, T* y, int M, int K, int N) override;
  bool set_bf16_inference(bool on) override;
  void linear_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, T* db, int M, int K, int N) override {
    k_->linear_backward(x, w, dy, dx, dw, db, M, K, N);
  }
  void copy2d(const T* src, int src_ld, T* dst, int dst_ld, int rows, int cols, bool accumulate) override {
    k_->copy2d(src, src_ld, dst, dst_ld, rows, cols, accumulate);
  }
  void add(T* y, const T* x, size_t n) override { k_->add(y, x, n); }
  void layernorm_forward(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd, int rows,
                         int cols) override {
    k_->layernorm_forward(x, gamma, beta, y, mean, rstd, rows, cols);
  }
  void layernorm_backward(const T* x, const T* gamma, const T* mean, const T* rstd, const T* dy, T* dx, T* dgamma,
                          T* dbeta, int rows, int cols) override {
    k_->layernorm_backward(x, gamma, mean, rstd, dy, dx, dgamma, dbeta, rows, cols);
  }
  void gelu_forward(const T* x, T* y, size_t n) override { k_->gelu_forward(x, y, n); }
  void gelu_backward(const T* x, const T* dy, T* dx, size_t n) override { k_->gelu_backward(x, dy, dx, n); }
  void relu_forward(const T* x, T* y, size_t n) override { k_->relu_forward(x, y, n); }
  void relu_backward(const T* x, const T* dy, T* dx, size_t n) override { k_->relu_backward(x, dy, dx, n); }
  void dropout_forward(const T* x, T* y, T* mask, size_t n, double p, uint64_t seed) override {
    k_->dropout_forward(x, y, mask, n, p, seed);
  }
  void dropout_backward(const T* mask, const T* dy, T* dx, size_t n) override { k_->dropout_backward(mask, dy, dx, n); }
  void attention_forward(const T* q, const T* k, const T* v, T* o, T* p, const AttentionShape& s) override {
    k_->attention_forward(q, k, v, o, p, s);
  }
  void attention_backward(const T* q, const T* k, const T* v, const T* p, const T* dout, T* dq, T* dk, T* dv,
                          const AttentionShape& s) override {
    k_->attention_backward(q, k, v, p, dout, dq, dk, dv, s);
  }
  void embedding_forward(const T* table, const int* ids, T* out, int n, int dim) override {
    k_->embedding_forward(table, ids, out, n, dim);
  }
  void embedding_backward(const int* ids, const T* dout, T* dtable, int n, int vocab, int dim) override {
    k_->embedding_backward(ids, dout, dtable, n, vocab, dim);
  }
  void modes_concat(const T* g1, const T* g2, T* x, int batch, int S, int c, bool accumulate) override {
    k_->modes_concat(g1, g2, x, batch, S, c, accumulate);
  }
  void modes_split(const T* x, T* g1, T* g2, int batch, int S, int c, bool accumulate) override {
    k_->modes_split(x, g1, g2, batch, S, c, accumulate);
  }
  void softmax_xent(const T* logits, const int* targets, const T* weights, T* row_loss, T* dlogits, int rows,
                    int V) override {
    k_->softmax_xent(logits, targets, weights, row_loss, dlogits, rows, V);
  }
  void quantile_huber(const T* pred, const T* target, const T* weights, T* row_loss, T* dpred, int rows, int Q,
                      double delta) override {
    k_->quantile_huber(pred, target, weights, row_loss, dpred, rows, Q, delta);
  }
  void sum_squares(const T* g, size_t n, T* out) override { k_->sum_squares(g, n, out); }
  void adamw_step(T* param, const T* grad, T* m, T* v, size_t n, const T* norm_sq, const AdamWParams& a) override {
    forget_packed(param, n);
    k_->adamw_step(param, grad, m, v, n, norm_sq, a);
  }

 private:
  // Bump allocator over blocks that never move (pointers stay valid until scratch_reset).
  struct Block {
    std::unique_ptr<unsigned char[]> data;
    size_t size = 0;
  };
  void* scratch_bytes(size_t bytes, bool zero);
  bool persistent(const T* p, size_t n) const;  // [p, p + n) lies in one alloc() buffer
  // Drops the packed copies of the weights that a write to [p, p + n) changes.
  void forget_packed(const T* p, size_t n);
  Isa isa_;
  const CpuKernels<T>* k_;
  // bf16 inference: on or off, and the packed weights by address (of the caller thread, as all state).
  struct Packed {
    int K, N;
    std::vector<uint32_t> data;
  };
  bool bf16_ = false, amx_ = false;
  std::map<const T*, Packed> packed_;
  // 64-byte aligned, as the scratch: the AVX paths round the first, unaligned columns of a product
  // differently, so a buffer's address must not decide its results (a reloaded network trains on
  // exactly as the one that saved it).
  struct AlignedDelete {
    void operator()(T* p) const { ::operator delete[](p, std::align_val_t(64)); }
  };
  struct Buffer {
    std::unique_ptr<T[], AlignedDelete> data;
    size_t n;
  };
  std::vector<Buffer> persistent_;
  // The weights packed for k_->linear_packed, by address (used while bf16 is off).
  struct PackedWeight {
    int K, N;
    Buffer data;
  };
  std::map<const T*, PackedWeight> packed_weights_;
  std::vector<Block> blocks_;
  size_t block_ = 0, offset_ = 0;  // current block and offset in it
};

// The dropout mask's uniform draw in [0, 1) for element i (shared by every backend).
inline double dropout_uniform(uint64_t seed, uint64_t i) {
  uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return double(z >> 40) * 0x1.0p-24;
}

}  // namespace at::nn
