#pragma once
// A device allocation for tests: the same code runs on a GPU and in the emulator.
#include <vector>

#include "kernels/launch.cuh"

template <typename T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t n) : n_(n) { AT_CUDA_CHECK(cudaMalloc(&p_, (n ? n : 1) * sizeof(T))); }
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
  ~DeviceBuffer() { cudaFree(p_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  T* get() { return p_; }
  void upload(const std::vector<T>& host) {
    AT_CUDA_CHECK(cudaMemcpy(p_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    std::vector<T> h(n_);
    AT_CUDA_CHECK(cudaDeviceSynchronize());
    AT_CUDA_CHECK(cudaMemcpy(h.data(), p_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
    return h;
  }

 private:
  size_t n_;
  T* p_ = nullptr;
};
