#pragma once
// The CPU reference backend: Eigen for the dense products, oneTBB across rows/sequences. Built
// for float (the product) and double (the reference of the gradient checks). Work is cut into
// chunks whose size depends only on the shapes, never on the thread count, and partial sums are
// added in chunk order, so results are bit-identical for any number of threads.
// One caller thread at a time (the scratch allocator is unsynchronised); each op runs its own
// parallel loops inside.
#include <memory>
#include <vector>

#include "nn/backend.hpp"

namespace at::nn {

template <typename T>
class CpuBackend final : public Backend<T> {
 public:
  const char* name() const override { return "cpu"; }

  T* alloc(size_t n) override;
  T* scratch(size_t n) override;
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

  void linear_forward(const T* x, const T* w, const T* b, T* y, int M, int K, int N) override;
  void linear_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, T* db, int M, int K, int N) override;
  void copy2d(const T* src, int src_ld, T* dst, int dst_ld, int rows, int cols, bool accumulate) override;
  void add(T* y, const T* x, size_t n) override;

  void layernorm_forward(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd, int rows, int cols) override;
  void layernorm_backward(const T* x, const T* gamma, const T* mean, const T* rstd, const T* dy, T* dx, T* dgamma,
                          T* dbeta, int rows, int cols) override;
  void gelu_forward(const T* x, T* y, size_t n) override;
  void gelu_backward(const T* x, const T* dy, T* dx, size_t n) override;
  void relu_forward(const T* x, T* y, size_t n) override;
  void relu_backward(const T* x, const T* dy, T* dx, size_t n) override;
  void dropout_forward(const T* x, T* y, T* mask, size_t n, double p, uint64_t seed) override;
  void dropout_backward(const T* mask, const T* dy, T* dx, size_t n) override;

  void attention_forward(const T* q, const T* k, const T* v, T* o, T* p, const AttentionShape& s) override;
  void attention_backward(const T* q, const T* k, const T* v, const T* p, const T* dout, T* dq, T* dk, T* dv,
                          const AttentionShape& s) override;

  void embedding_forward(const T* table, const int* ids, T* out, int n, int dim) override;
  void embedding_backward(const int* ids, const T* dout, T* dtable, int n, int vocab, int dim) override;
  void modes_concat(const T* g1, const T* g2, T* x, int batch, int S, int c, bool accumulate) override;
  void modes_split(const T* x, T* g1, T* g2, int batch, int S, int c, bool accumulate) override;

  void softmax_xent(const T* logits, const int* targets, const T* weights, T* row_loss, T* dlogits, int rows,
                    int V) override;
  void quantile_huber(const T* pred, const T* target, const T* weights, T* row_loss, T* dpred, int rows, int Q,
                      double delta) override;

  void sum_squares(const T* g, size_t n, T* out) override;
  void adamw_step(T* param, const T* grad, T* m, T* v, size_t n, const T* norm_sq, const AdamWParams& a) override;

 private:
  // Bump allocator over blocks that never move (pointers stay valid until scratch_reset).
  struct Block {
    std::unique_ptr<unsigned char[]> data;
    size_t size = 0;
  };
  void* scratch_bytes(size_t bytes);
  std::vector<std::vector<T>> persistent_;
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
