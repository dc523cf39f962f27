// The CUDA backend (see cuda_backend.hpp): the interface's ops mapped onto kernels/ launchers.
// Compiled by the host compiler against the CUDA runtime, or against the emulator when
// ALPHATENSOR_CUDA_EMU is defined.
#include "nn/cuda_backend.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels/adamw.cuh"
#include "kernels/attention.cuh"
#include "kernels/copy2d.cuh"
#include "kernels/dropout.cuh"
#include "kernels/embedding.cuh"
#include "kernels/gelu.cuh"
#include "kernels/launch.cuh"
#include "kernels/layernorm.cuh"
#include "kernels/matmul.cuh"
#include "kernels/modes.cuh"
#include "kernels/quantile_huber.cuh"
#include "kernels/relu.cuh"
#include "kernels/softmax_xent.cuh"

namespace at::nn {
namespace {

constexpr size_t kAlign = 256;  // cudaMalloc's alignment; every carve keeps it
size_t align_up(size_t b) { return (b + kAlign - 1) / kAlign * kAlign; }
std::string mib(size_t b) { return std::to_string(b >> 20) + " MiB"; }
int as_int(size_t n, const char* op) {
  AT_CHECK_ARG(n <= size_t(INT_MAX), std::string(op) + ": more than 2^31 elements");
  return int(n);
}

class CudaBackend final : public Backend<float> {
 public:
  explicit CudaBackend(const CudaBackendOptions& o) : tensor_cores_(o.tensor_cores) {
    AT_CUDA_CHECK(cudaSetDevice(o.device));
    if (tensor_cores_) {
      // TF32 tensor cores came with sm_80; the TF32 kernel built for sm_75 only traps.
      int major = 0, minor = 0;
      AT_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, o.device));
      AT_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, o.device));
      if (major < 8)
        throw std::runtime_error("--tensor-cores needs a GPU of compute capability 8.0 or newer (TF32); device " +
                                 std::to_string(o.device) + " is " + std::to_string(major) + "." + std::to_string(minor));
    }
    size_t bytes = o.arena_bytes;
    if (bytes == 0) {
      size_t free = 0, total = 0;
      AT_CUDA_CHECK(cudaMemGetInfo(&free, &total));
      bytes = free / 10 * 9;
    }
    size_ = bytes / kAlign * kAlign;
    AT_CUDA_CHECK(cudaMalloc(&arena_, size_));
    top_ = size_;
    AT_CUDA_CHECK(cudaStreamCreate(&stream_));
  }
  ~CudaBackend() override {
    // Destructors must not throw: errors here are ignored (the process is tearing down the device).
    cudaStreamSynchronize(stream_);
    cudaStreamDestroy(stream_);
    cudaFree(arena_);
    cudaFreeHost(pinned_);
  }
  const char* name() const override { return "cuda"; }

  // ---- memory ---------------------------------------------------------------------------------
  float* alloc(size_t n) override {
    const size_t b = align_up(n * sizeof(float));
    if (top_ < bottom_ + b) exhausted(b, "parameters");
    top_ -= b;
    return zeroed<float>(top_, b);
  }
  float* scratch(size_t n) override { return zeroed<float>(carve(n * sizeof(float)), align_up(n * sizeof(float))); }
  int* scratch_int(size_t n) override { return zeroed<int>(carve(n * sizeof(int)), align_up(n * sizeof(int))); }
  void scratch_reset() override { bottom_ = 0; }
  ScratchMark scratch_mark() const override { return {0, bottom_}; }
  void scratch_release(ScratchMark m) override { bottom_ = m.offset; }
  size_t memory_available() const override { return top_ - bottom_; }
  void upload(float* dst, const float* host, size_t n) override { to_device(dst, host, n * sizeof(float)); }
  void upload_int(int* dst, const int* host, size_t n) override { to_device(dst, host, n * sizeof(int)); }
  void download(float* host, const float* src, size_t n) override {
    const size_t b = n * sizeof(float);
    if (b == 0) return;
    void* stage = pinned(b);
    AT_CUDA_CHECK(cudaMemcpyAsync(stage, src, b, cudaMemcpyDeviceToHost, stream_));
    AT_CUDA_CHECK(cudaStreamSynchronize(stream_));
    std::memcpy(host, stage, b);
  }
  void copy(float* dst, const float* src, size_t n) override {
    if (n) AT_CUDA_CHECK(cudaMemcpyAsync(dst, src, n * sizeof(float), cudaMemcpyDeviceToDevice, stream_));
  }
  void zero(float* x, size_t n) override {
    if (n) AT_CUDA_CHECK(cudaMemsetAsync(x, 0, n * sizeof(float), stream_));
  }

  // ---- dense ------------------------------------------------------------------------------------
  void linear_forward(const float* x, const float* w, const float* b, float* y, int M, int K, int N) override {
    matmul(x, w, b, y, M, N, K, false, false, 0.0f);
  }
  // Backward accumulates (the interface's convention): products with beta = 1, bias sums added.
  void linear_backward(const float* x, const float* w, const float* dy, float* dx, float* dw, float* db, int M, int K,
                       int N) override {
    if (dx) matmul(dy, w, nullptr, dx, M, K, N, false, true, 1.0f);   // dx[M,K] += dy·wᵀ
    if (dw) matmul(x, dy, nullptr, dw, K, N, M, true, false, 1.0f);   // dw[K,N] += xᵀ·dy
    if (db) kernels::matmul_bias_backward(dy, db, M, N, true, stream_);
  }
  void copy2d(const float* src, int src_ld, float* dst, int dst_ld, int rows, int cols, bool accumulate) override {
    kernels::copy2d(src, src_ld, dst, dst_ld, rows, cols, accumulate, stream_);
  }
  void add(float* y, const float* x, size_t n) override {
    const int cols = as_int(n, "add");
    kernels::copy2d(x, cols, y, cols, 1, cols, true, stream_);
  }

  // ---- normalisation and activations ------------------------------------------------------------
  void layernorm_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                         int rows, int cols) override {
    kernels::layernorm_forward(x, gamma, beta, y, mean, rstd, rows, cols, stream_);
  }
  void layernorm_backward(const float* x, const float* gamma, const float* mean, const float* rstd, const float* dy,
                          float* dx, float* dgamma, float* dbeta, int rows, int cols) override {
    kernels::layernorm_backward(x, gamma, mean, rstd, dy, dx, dgamma, dbeta, rows, cols, stream_);
  }
  void gelu_forward(const float* x, float* y, size_t n) override { kernels::gelu_forward(x, y, n, stream_); }
  void gelu_backward(const float* x, const float* dy, float* dx, size_t n) override {
    kernels::gelu_backward(x, dy, dx, n, stream_);
  }
  void relu_forward(const float* x, float* y, size_t n) override { kernels::relu_forward(x, y, n, stream_); }
  void relu_backward(const float* x, const float* dy, float* dx, size_t n) override {
    kernels::relu_backward(x, dy, dx, n, stream_);
  }
  void dropout_forward(const float* x, float* y, float* mask, size_t n, double p, uint64_t seed) override {
    kernels::dropout_forward(x, y, mask, n, float(p), seed, stream_);
  }
  void dropout_backward(const float* mask, const float* dy, float* dx, size_t n) override {
    kernels::dropout_backward(mask, dy, dx, n, stream_);
  }

  // ---- attention --------------------------------------------------------------------------------
  void attention_forward(const float* q, const float* k, const float* v, float* o, float* p,
                         const AttentionShape& s) override {
    kernels::attention_forward(q, k, v, o, p, s, stream_);
  }
  void attention_backward(const float* q, const float* k, const float* v, const float* p, const float* dout,
                          float* dq, float* dk, float* dv, const AttentionShape& s) override {
    float* ws = scratch(kernels::attention_backward_workspace(s));  // freed with the pass's scratch
    kernels::attention_backward(q, k, v, p, dout, dq, dk, dv, ws, s, stream_);
  }

  // ---- embeddings and the attentive-modes grids -------------------------------------------------
  void embedding_forward(const float* table, const int* ids, float* out, int n, int dim) override {
    kernels::embedding_forward(table, ids, out, n, dim, stream_);
  }
  void embedding_backward(const int* ids, const float* dout, float* dtable, int n, int vocab, int dim) override {
    kernels::embedding_backward(ids, dout, dtable, n, vocab, dim, stream_);
  }
  void modes_concat(const float* g1, const float* g2, float* x, int batch, int S, int c, bool accumulate) override {
    kernels::modes_concat(g1, g2, x, batch, S, c, accumulate, stream_);
  }
  void modes_split(const float* x, float* g1, float* g2, int batch, int S, int c, bool accumulate) override {
    kernels::modes_split(x, g1, g2, batch, S, c, accumulate, stream_);
  }

  // ---- losses and optimiser ---------------------------------------------------------------------
  void softmax_xent(const float* logits, const int* targets, const float* weights, float* row_loss, float* dlogits,
                    int rows, int V) override {
    kernels::softmax_xent(logits, targets, weights, row_loss, dlogits, rows, V, stream_);
  }
  void quantile_huber(const float* pred, const float* target, const float* weights, float* row_loss, float* dpred,
                      int rows, int Q, double delta) override {
    kernels::quantile_huber(pred, target, weights, row_loss, dpred, rows, Q, float(delta), stream_);
  }
  void sum_squares(const float* g, size_t n, float* out) override {
    const size_t bytes = kernels::sum_squares_partials() * sizeof(double);
    double* partials = zeroed<double>(carve(bytes), align_up(bytes));
    kernels::sum_squares(g, n, out, partials, stream_);
  }
  void adamw_step(float* param, const float* grad, float* m, float* v, size_t n, const float* norm_sq,
                  const AdamWParams& a) override {
    const kernels::AdamWArgs k = kernels::adamw_args(a.lr, a.beta1, a.beta2, a.eps, a.weight_decay, a.max_norm, a.step);
    kernels::adamw_step(param, grad, m, v, n, norm_sq, k, stream_);
  }

 private:
  void matmul(const float* A, const float* B, const float* bias, float* C, int M, int N, int K, bool ta, bool tb,
              float beta) {
    if (tensor_cores_) kernels::matmul_forward_tf32(A, B, bias, C, M, N, K, ta, tb, 1.0f, beta, stream_);
    else kernels::matmul_forward(A, B, bias, C, M, N, K, ta, tb, 1.0f, beta, stream_);
  }
  // Scratch bytes from the bottom of the arena.
  size_t carve(size_t bytes) {
    const size_t b = align_up(bytes);
    if (bottom_ + b > top_) exhausted(b, "activations");
    const size_t at = bottom_;
    bottom_ += b;
    return at;
  }
  template <typename T>
  T* zeroed(size_t offset, size_t bytes) {
    char* p = static_cast<char*>(arena_) + offset;
    if (bytes) AT_CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, stream_));
    return reinterpret_cast<T*>(p);
  }
  [[noreturn]] void exhausted(size_t want, const char* what) const {
    throw std::runtime_error("CUDA memory arena of " + mib(size_) + " is full (" + what + " need " + mib(want) +
                             " more, " + mib(top_ - bottom_) + " left); give a larger --cuda-arena-mb or a smaller batch");
  }
  // A pinned staging buffer of at least `bytes`, grown to the largest transfer seen.
  void* pinned(size_t bytes) {
    if (bytes > pinned_size_) {
      AT_CUDA_CHECK(cudaStreamSynchronize(stream_));  // the old buffer may still feed a copy
      if (pinned_) AT_CUDA_CHECK(cudaFreeHost(pinned_));
      pinned_ = nullptr;
      AT_CUDA_CHECK(cudaMallocHost(&pinned_, bytes));
      pinned_size_ = bytes;
    }
    return pinned_;
  }
  // The caller's host buffer may change once we return: stage it in pinned memory and wait for the
  // copy, so the staging buffer is free for the next transfer.
  void to_device(void* dst, const void* host, size_t bytes) {
    if (bytes == 0) return;
    void* stage = pinned(bytes);
    std::memcpy(stage, host, bytes);
    AT_CUDA_CHECK(cudaMemcpyAsync(dst, stage, bytes, cudaMemcpyHostToDevice, stream_));
    AT_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  bool tensor_cores_;
  void* arena_ = nullptr;        // [size_] bytes of device memory
  size_t size_ = 0;
  size_t bottom_ = 0;            // scratch: [0, bottom_) in use since the last scratch_reset
  size_t top_ = 0;               // persistent: [top_, size_) in use for the backend's lifetime
  cudaStream_t stream_ = nullptr;
  void* pinned_ = nullptr;       // [pinned_size_] bytes of page-locked host memory
  size_t pinned_size_ = 0;
};

}  // namespace

std::unique_ptr<Backend<float>> make_cuda_backend(const CudaBackendOptions& options) {
  return std::make_unique<CudaBackend>(options);
}

}  // namespace at::nn
