#pragma once
// A small CUDA execution model on the CPU (in the spirit of HIP-CPU), so that the kernels in
// kernels/*.cu run in CI without a GPU. The same sources are compiled by the host compiler with
// this header: blocks run one after another on an OS thread (several OS threads run blocks at
// once), every CUDA thread of a block is a cooperative fiber (Boost.Context), and
// - __shared__ is thread_local: all fibers of a block run on one OS thread and never migrate;
// - __syncthreads is an arrival counter (exited threads count as arrived); a pass in which no
//   fiber can move is a deadlock, reported with file:line;
// - warp shuffles/votes meet at a per-warp rendezvous, double-buffered by generation;
// - atomics are real host atomics (blocks may run concurrently).
// Host API: the subset of the CUDA runtime the launchers use, on host memory.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __shared__ thread_local
#define __constant__ const
#define __align__(n) __attribute__((aligned(n)))

struct uint3 {
  unsigned x = 0, y = 0, z = 0;
};
struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

// Set by the scheduler before it resumes a fiber.
inline thread_local uint3 threadIdx;
inline thread_local uint3 blockIdx;
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;
constexpr int warpSize = 32;

namespace at::emu {

// Scheduler entry points called from kernel code (defined in emu.cpp, never instrumented).
void syncthreads(const char* file, int line);
uint64_t warp_exchange(unsigned mask, uint64_t value, int src_lane, const char* file, int line);
// Bits of the participating lanes whose predicate holds; *members gets the participants.
uint32_t warp_ballot(unsigned mask, bool pred, const char* file, int line, unsigned* members = nullptr);
bool warp_all(unsigned mask, bool pred, const char* file, int line);
void* dynamic_shared_memory();
int lane_id();

template <typename T>
T shfl_value(unsigned mask, T v, int src_lane, const char* file, int line) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "shuffle of a value up to 8 bytes");
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  bits = warp_exchange(mask, bits, src_lane, file, line);
  T out;
  std::memcpy(&out, &bits, sizeof(T));
  return out;
}
inline int segment_base(int width) { return lane_id() & ~(width - 1); }

// Runs `body` as a grid of blocks (defined in emu.cpp).
struct KernelBody {
  virtual ~KernelBody() = default;
  virtual void run() = 0;
};
void launch_grid(const char* name, dim3 grid, dim3 block, size_t dynamic_shared, KernelBody& body);

template <typename... Params, typename... Args>
void launch(const char* name, void (*kernel)(Params...), dim3 grid, dim3 block, size_t shmem, Args&&... args) {
  struct Body : KernelBody {
    void (*k)(Params...);
    std::tuple<std::decay_t<Params>...> params;
    Body(void (*k_)(Params...), Args&&... a) : k(k_), params(std::forward<Args>(a)...) {}
    void run() override { std::apply(k, params); }  // each CUDA thread gets its own copies
  } body(kernel, std::forward<Args>(args)...);
  launch_grid(name, grid, block, shmem, body);
}

}  // namespace at::emu

#define __syncthreads() ::at::emu::syncthreads(__FILE__, __LINE__)
#define __syncwarp(...) ((void)::at::emu::warp_ballot(0xffffffffu, true, __FILE__, __LINE__))
#define __shfl_sync(mask, v, src, ...) ::at::emu::shfl_value((mask), (v), ::at::emu::shfl_src(src, ##__VA_ARGS__), __FILE__, __LINE__)
#define __shfl_xor_sync(mask, v, m, ...) ::at::emu::shfl_value((mask), (v), ::at::emu::shfl_xor_src(m, ##__VA_ARGS__), __FILE__, __LINE__)
#define __shfl_down_sync(mask, v, d, ...) ::at::emu::shfl_value((mask), (v), ::at::emu::shfl_down_src(d, ##__VA_ARGS__), __FILE__, __LINE__)
#define __shfl_up_sync(mask, v, d, ...) ::at::emu::shfl_value((mask), (v), ::at::emu::shfl_up_src(d, ##__VA_ARGS__), __FILE__, __LINE__)
#define __ballot_sync(mask, pred) ::at::emu::warp_ballot((mask), (pred), __FILE__, __LINE__)
#define __any_sync(mask, pred) (::at::emu::warp_ballot((mask), (pred), __FILE__, __LINE__) != 0u)
#define __all_sync(mask, pred) ::at::emu::warp_all((mask), (pred), __FILE__, __LINE__)

namespace at::emu {
// Source lane of each shuffle flavour (CUDA semantics: out-of-segment sources read their own value).
inline int shfl_src(int src, int width = 32) { return segment_base(width) + (src & (width - 1)); }
inline int shfl_xor_src(int m, int width = 32) {
  const int t = lane_id() ^ m;
  return t >= segment_base(width) + width ? lane_id() : t;
}
inline int shfl_down_src(unsigned d, int width = 32) {
  const int t = lane_id() + int(d);
  return t >= segment_base(width) + width ? lane_id() : t;
}
inline int shfl_up_src(unsigned d, int width = 32) {
  const int t = lane_id() - int(d);
  return t < segment_base(width) ? lane_id() : t;
}
}  // namespace at::emu

// Device math used by the kernels.
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
template <typename T>
inline T __ldg(const T* p) { return *p; }

// Atomics: blocks may run on several OS threads, so these are real atomics.
inline int atomicAdd(int* p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
inline unsigned atomicAdd(unsigned* p, unsigned v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
inline float atomicAdd(float* p, float v) {
  float old = *p, desired;
  do desired = old + v;
  while (!__atomic_compare_exchange(p, &old, &desired, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return old;
}
inline int atomicMax(int* p, int v) {
  int old = *p;
  while (old < v && !__atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
  return old;
}
inline int atomicCAS(int* p, int expected, int desired) {
  __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  return expected;
}
inline int atomicExch(int* p, int v) { return __atomic_exchange_n(p, v, __ATOMIC_RELAXED); }

// Host runtime subset, on host memory: "device" pointers are host pointers.
enum cudaError_t { cudaSuccess = 0, cudaErrorMemoryAllocation = 2, cudaErrorInvalidValue = 1 };
enum cudaMemcpyKind { cudaMemcpyHostToHost, cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice, cudaMemcpyDefault };
using cudaStream_t = struct CUstream_st*;
cudaError_t cudaMalloc(void** p, size_t bytes);
cudaError_t cudaFree(void* p);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind, cudaStream_t = nullptr);
cudaError_t cudaMemset(void* p, int value, size_t bytes);
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t = nullptr);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaStreamSynchronize(cudaStream_t);
cudaError_t cudaGetLastError();
const char* cudaGetErrorString(cudaError_t);
cudaError_t cudaSetDevice(int);
cudaError_t cudaStreamCreate(cudaStream_t* s);
cudaError_t cudaStreamDestroy(cudaStream_t);
cudaError_t cudaMallocHost(void** p, size_t bytes);  // "pinned": plain host memory
cudaError_t cudaFreeHost(void* p);
cudaError_t cudaMemGetInfo(size_t* free, size_t* total);  // the host's physical memory
enum cudaDeviceAttr { cudaDevAttrComputeCapabilityMajor = 75, cudaDevAttrComputeCapabilityMinor = 76 };
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device);  // an sm_90 device
template <typename T>
cudaError_t cudaMalloc(T** p, size_t bytes) { return cudaMalloc(reinterpret_cast<void**>(p), bytes); }
