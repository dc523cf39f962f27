#include "nn/cpu_backend.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/files.hpp"

#include "core/memory.hpp"

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
  persistent_.emplace_back(new (std::align_val_t(64)) T[n]());
  return persistent_.back().get();
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
void CpuBackend<T>::upload(T* dst, const T* host, size_t n) { std::copy(host, host + n, dst); }
template <typename T>
void CpuBackend<T>::upload_int(int* dst, const int* host, size_t n) { std::copy(host, host + n, dst); }
template <typename T>
void CpuBackend<T>::download(T* host, const T* src, size_t n) { std::copy(src, src + n, host); }
template <typename T>
void CpuBackend<T>::copy(T* dst, const T* src, size_t n) { std::copy(src, src + n, dst); }
template <typename T>
void CpuBackend<T>::zero(T* x, size_t n) { std::fill(x, x + n, T(0)); }

template class CpuBackend<float>;
template class CpuBackend<double>;

}  // namespace at::nn
