#include "nn/cpu_backend.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "core/files.hpp"

#include "core/memory.hpp"
#include "nn/cpu_bf16.hpp"

namespace at::nn {

template <typename T>
const CpuKernels<T>& cpu_kernels(Isa isa) {
  if (!isa_supported(isa)) throw InputError(std::string("CPU path ") + isa_name(isa) + ": this CPU cannot run it");
  switch (isa) {
    case Isa::avx512: return isa_avx512::entry_cpu_kernels<T>();
    case Isa::avx2: return isa_avx2::entry_cpu_kernels<T>();
    case Isa::sse2: break;
  }
  return isa_sse2::entry_cpu_kernels<T>();
}
template const CpuKernels<float>& cpu_kernels(Isa);
template const CpuKernels<double>& cpu_kernels(Isa);

// ---- memory ---------------------------------------------------------------------------------------

template <typename T>
T* CpuBackend<T>::alloc(size_t n) {
  persistent_.push_back({std::unique_ptr<T[], AlignedDelete>(new (std::align_val_t(64)) T[n]()), n});
  return persistent_.back().data.get();
}

template <typename T>
bool CpuBackend<T>::persistent(const T* p, size_t n) const {
  for (const Buffer& b : persistent_)
    if (p >= b.data.get() && p + n <= b.data.get() + b.n) return true;
  return false;
}

// ---- bf16 inference -------------------------------------------------------------------------------

const char* cpu_bf16_kernel(Isa isa) {
  if (isa != Isa::avx512 || !bf16_supported()) return nullptr;
  return amx_supported() && isa_avx512bf16::entry_bf16_has_amx() ? "AMX" : "AVX512-BF16";
}

template <typename T>
bool CpuBackend<T>::set_bf16_inference(bool on) {
  const char* kernel = cpu_bf16_kernel(isa_);
  bf16_ = on && std::is_same<T, float>::value && kernel;
  amx_ = bf16_ && std::string(kernel) == "AMX";
  if (!bf16_) packed_.clear();
  if (bf16_) packed_weights_.clear();
  return bf16_ == on;
}

template <typename T>
void CpuBackend<T>::forget_packed(const T* p, size_t n) {
  const auto forget = [&](auto& packed) {
    for (auto it = packed.begin(); it != packed.end();) {
      const T* w = it->first;
      if (w < p + n && p < w + size_t(it->second.K) * it->second.N)
        it = packed.erase(it);
      else
        ++it;
    }
  };
  forget(packed_);
  forget(packed_weights_);
}

template <typename T>
void CpuBackend<T>::linear_inference(const T* x, const T* w, const T* b, T* y, int M, int K, int N) {
  if constexpr (std::is_same<T, float>::value) {
    if (bf16_ && persistent(w, size_t(K) * N)) {
      Packed& pk = packed_[w];
      if (pk.K != K || pk.N != N || pk.data.empty()) {
        pk = {K, N, std::vector<uint32_t>(isa_avx512bf16::entry_bf16_packed_size(K, N))};
        isa_avx512bf16::entry_bf16_pack(w, K, N, pk.data.data());
      }
      return isa_avx512bf16::entry_bf16_linear(x, pk.data.data(), b, y, M, K, N, amx_);
    }
  }
  if (!persistent(w, size_t(K) * N)) return k_->linear_forward(x, w, b, y, M, K, N);
  PackedWeight& pk = packed_weights_[w];
  if (pk.K != K || pk.N != N || !pk.data.data) {
    const size_t n = k_->linear_packed_size(K, N);
    pk = {K, N, {std::unique_ptr<T[], AlignedDelete>(new (std::align_val_t(64)) T[n]), n}};
    k_->linear_pack(w, K, N, pk.data.data.get());
  }
  k_->linear_packed(x, pk.data.data.get(), b, y, M, K, N);
}

template <typename T>
void* CpuBackend<T>::scratch_bytes(size_t bytes, bool zero) {
  bytes = (bytes + 63) & ~size_t(63);
  while (block_ < blocks_.size() && offset_ + bytes > blocks_[block_].size) {
    ++block_;
    offset_ = 0;
  }
  if (block_ == blocks_.size()) {
    Block b;
    b.size = std::max(bytes, blocks_.empty() ? size_t(1) << 24 : blocks_.back().size * 2);
    b.data.reset(new unsigned char[b.size + 64]);
    blocks_.push_back(std::move(b));
    offset_ = 0;
  }
  unsigned char* base = blocks_[block_].data.get();
  base += (64 - reinterpret_cast<uintptr_t>(base) % 64) % 64;
  void* p = base + offset_;
  offset_ += bytes;
  if (zero) std::memset(p, 0, bytes);
  return p;
}

template <typename T>
T* CpuBackend<T>::scratch(size_t n) { return static_cast<T*>(scratch_bytes(n * sizeof(T), true)); }
template <typename T>
T* CpuBackend<T>::scratch_raw(size_t n) { return static_cast<T*>(scratch_bytes(n * sizeof(T), false)); }
template <typename T>
int* CpuBackend<T>::scratch_int(size_t n) { return static_cast<int*>(scratch_bytes(n * sizeof(int), true)); }
template <typename T>
void CpuBackend<T>::scratch_reset() { block_ = offset_ = 0; }
template <typename T>
void CpuBackend<T>::scratch_release(ScratchMark m) {
  block_ = m.block;
  offset_ = m.offset;
}
template <typename T>
size_t CpuBackend<T>::memory_available() const { return available_memory_bytes(); }
template <typename T>
void CpuBackend<T>::upload(T* dst, const T* host, size_t n) {
  forget_packed(dst, n);
  std::copy(host, host + n, dst);
}
template <typename T>
void CpuBackend<T>::upload_int(int* dst, const int* host, size_t n) { std::copy(host, host + n, dst); }
template <typename T>
void CpuBackend<T>::download(T* host, const T* src, size_t n) { std::copy(src, src + n, host); }
template <typename T>
void CpuBackend<T>::copy(T* dst, const T* src, size_t n) {
  forget_packed(dst, n);
  std::copy(src, src + n, dst);
}
template <typename T>
void CpuBackend<T>::zero(T* x, size_t n) {
  forget_packed(x, n);
  std::fill(x, x + n, T(0));
}

template class CpuBackend<float>;
template class CpuBackend<double>;

}  // namespace at::nn
