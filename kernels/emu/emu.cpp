// The CPU emulation of the CUDA execution model: fiber scheduler, barriers, warp rendezvous,
// launch over OS threads, and the host runtime subset. Compiled without instrumentation: the race
// checker watches kernel code only.
#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <oneapi/tbb/parallel_for.h>
#include <stdexcept>
#include <vector>

#include "kernels/emu/cuda_emu.hpp"
#include "kernels/emu/emu_internal.hpp"

namespace ctx = boost::context;

namespace at::emu {

struct Fiber {
  ctx::fiber self;  // the CUDA thread's context while it is suspended
  ctx::fiber sink;  // the scheduler's context while the CUDA thread runs
  uint3 tid;
  bool done = false;
  const char* file = "";  // where it waits (for deadlock reports)
  int line = 0;
};

struct Warp {
  unsigned live = 0;      // lanes whose thread has not exited
  int arrived = 0;
  unsigned mask = 0;      // mask of the rendezvous in progress
  uint64_t generation = 0;
  uint64_t slots[2][32];  // values, double-buffered by generation parity
  unsigned members[2];    // lanes that took part in each rendezvous (mask ∩ live at release)
};

BlockState::BlockState() = default;
BlockState::~BlockState() = default;

namespace {

// 64 KiB fiber stacks with a guard page below, reused across blocks on the same OS thread
// (an mmap per CUDA thread would cost more than the kernel).
constexpr size_t kStack = 64 * 1024;

struct StackPool {
  std::vector<void*> free;  // base addresses (guard page included)
  ~StackPool() {
    for (void* p : free) ::munmap(p, kStack + size_t(::getpagesize()));
  }
};
thread_local StackPool tl_stacks;

struct PooledStack {
  ctx::stack_context allocate() {
    const size_t page = size_t(::getpagesize());
    void* base;
    if (!tl_stacks.free.empty()) {
      base = tl_stacks.free.back();
      tl_stacks.free.pop_back();
    } else {
      base = ::mmap(nullptr, kStack + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (base == MAP_FAILED) throw std::bad_alloc();
      ::mprotect(base, page, PROT_NONE);  // guard page: an overflow faults instead of corrupting
    }
    ctx::stack_context sc;
    sc.size = kStack;
    sc.sp = static_cast<char*>(base) + page + kStack;
    return sc;
  }
  void deallocate(ctx::stack_context& sc) {
    tl_stacks.free.push_back(static_cast<char*>(sc.sp) - kStack - size_t(::getpagesize()));
  }
};

thread_local BlockState* tl_block = nullptr;

[[noreturn]] void fail(const std::string& msg) {
  std::fprintf(stderr, "cuda emulator: %s\n", msg.c_str());
  throw std::runtime_error("cuda emulator: " + msg);
}

Fiber& current() { return tl_block->fibers[size_t(tl_block->current)]; }

void yield() {
  Fiber& f = current();
  f.sink = std::move(f.sink).resume();
}

void release_warp_if_complete(Warp& w) {
  if (w.arrived > 0 && w.arrived >= __builtin_popcount(w.mask & w.live)) {
    w.members[w.generation & 1] = w.mask & w.live;
    w.arrived = 0;
    ++w.generation;
    ++tl_block->progress;
  }
}

void release_barrier_if_complete(BlockState& b) {
  if (b.arrived > 0 && b.arrived >= b.alive) {
    b.arrived = 0;
    ++b.generation;
    ++b.progress;
  }
}

}  // namespace

BlockState* current_block() { return tl_block; }

uint64_t current_warp_generation() { return tl_block->warps[size_t(tl_block->current / 32)].generation; }

int lane_id() { return tl_block->current % 32; }

void* dynamic_shared_memory() { return tl_block->dynamic_shared.data(); }

void syncthreads(const char* file, int line) {
  BlockState& b = *tl_block;
  Fiber& f = current();
  f.file = file;
  f.line = line;
  const uint64_t g = b.generation;
  ++b.arrived;
  ++b.progress;
  release_barrier_if_complete(b);
  while (b.generation == g) yield();
}

uint64_t warp_exchange(unsigned mask, uint64_t value, int src_lane, const char* file, int line) {
  BlockState& b = *tl_block;
  Warp& w = b.warps[size_t(b.current / 32)];
  Fiber& f = current();
  f.file = file;
  f.line = line;
  const uint64_t g = w.generation;
  w.mask = mask;
  w.slots[g & 1][b.current % 32] = value;
  ++w.arrived;
  ++b.progress;
  release_warp_if_complete(w);
  while (w.generation == g) yield();
  if (src_lane < 0 || src_lane >= 32 || !((w.live | mask) >> src_lane & 1u)) return value;
  return w.slots[g & 1][src_lane];
}

uint32_t warp_ballot(unsigned mask, bool pred, const char* file, int line, unsigned* members) {
  // Every participant publishes its predicate; each then ORs the participants' bits.
  BlockState& b = *tl_block;
  const int lane = b.current % 32;
  Warp& w = b.warps[size_t(b.current / 32)];
  const uint64_t g = w.generation;
  warp_exchange(mask, pred ? 1 : 0, lane, file, line);
  uint32_t bits = 0;
  for (int l = 0; l < 32; ++l)
    if ((w.members[g & 1] >> l & 1u) && w.slots[g & 1][l]) bits |= 1u << l;
  if (members) *members = w.members[g & 1];
  return bits;
}

bool warp_all(unsigned mask, bool pred, const char* file, int line) {
  unsigned members = 0;
  return warp_ballot(mask, pred, file, line, &members) == members;
}

void run_block(BlockState& b, KernelBody& body, dim3 block) {
  const int n = int(block.x * block.y * block.z);
  b.fibers.clear();
  b.fibers.resize(size_t(n));
  b.warps.assign(size_t((n + 31) / 32), Warp{});
  for (int t = 0; t < n; ++t) b.warps[size_t(t / 32)].live |= 1u << (t % 32);
  b.alive = n;
  b.arrived = 0;
  b.generation = 0;
  b.progress = 0;
  for (int t = 0; t < n; ++t) {
    Fiber& f = b.fibers[size_t(t)];
    f.tid = uint3{unsigned(t) % block.x, (unsigned(t) / block.x) % block.y, unsigned(t) / (block.x * block.y)};
    f.self = ctx::fiber(std::allocator_arg, PooledStack(), [&b, &body, t](ctx::fiber&& sink) {
      b.fibers[size_t(t)].sink = std::move(sink);
      body.run();
      Fiber& me = b.fibers[size_t(t)];
      me.done = true;
      --b.alive;
      Warp& w = b.warps[size_t(t / 32)];
      w.live &= ~(1u << (t % 32));
      ++b.progress;
      release_barrier_if_complete(b);
      release_warp_if_complete(w);
      return std::move(me.sink);
    });
  }
  while (b.alive > 0) {
    const uint64_t before = b.progress;
    for (int t = 0; t < n; ++t) {
      Fiber& f = b.fibers[size_t(t)];
      if (f.done) continue;
      b.current = t;
      threadIdx = f.tid;
      f.self = std::move(f.self).resume();
    }
    if (b.progress == before && b.alive > 0) {
      std::string where;
      for (const Fiber& f : b.fibers)
        if (!f.done) {
          where = std::string(f.file) + ":" + std::to_string(f.line);
          break;
        }
      b.fibers.clear();  // destroying a suspended fiber unwinds its stack
      fail("deadlock in kernel " + std::string(b.kernel) + ", block (" + std::to_string(blockIdx.x) + "," +
           std::to_string(blockIdx.y) + "," + std::to_string(blockIdx.z) + "): no thread can proceed (waiting at " +
           where + ")");
    }
  }
}

void launch_grid(const char* name, dim3 grid, dim3 block, size_t dynamic_shared, KernelBody& body) {
  const long nthreads = long(block.x) * block.y * block.z;
  if (nthreads < 1 || nthreads > 1024) fail(std::string("kernel ") + name + ": block of " + std::to_string(nthreads) + " threads");
  if (grid.x < 1 || grid.y < 1 || grid.z < 1) fail(std::string("kernel ") + name + ": empty grid");
  const size_t nblocks = size_t(grid.x) * grid.y * grid.z;
  const LaunchHooks& hooks = launch_hooks();
  tbb::parallel_for(size_t(0), nblocks, [&](size_t i) {
    BlockState state;
    state.kernel = name;
    state.dynamic_shared.assign(dynamic_shared + 16, 0);
    BlockState* outer = tl_block;  // a launch from inside a launch is not supported, but stay sane
    tl_block = &state;
    gridDim = grid;
    blockDim = block;
    blockIdx = uint3{unsigned(i % grid.x), unsigned(i / grid.x % grid.y), unsigned(i / (size_t(grid.x) * grid.y))};
    if (hooks.block_begin) hooks.block_begin(state);
    try {
      run_block(state, body, block);
    } catch (...) {
      if (hooks.block_end) hooks.block_end(state);
      tl_block = outer;
      throw;
    }
    if (hooks.block_end) hooks.block_end(state);
    tl_block = outer;
  });
}

LaunchHooks& launch_hooks() {
  static LaunchHooks hooks;
  return hooks;
}

}  // namespace at::emu

// Host runtime subset.
cudaError_t cudaMalloc(void** p, size_t bytes) {
  *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256 + 256);
  return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind) {
  if (bytes) std::memmove(dst, src, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind k, cudaStream_t) {
  return cudaMemcpy(dst, src, bytes, k);
}
cudaError_t cudaMemset(void* p, int value, size_t bytes) {
  if (bytes) std::memset(p, value, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t) { return cudaMemset(p, value, bytes); }
cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaGetLastError() { return cudaSuccess; }
cudaError_t cudaSetDevice(int d) { return d == 0 ? cudaSuccess : cudaErrorInvalidValue; }
// Launches run synchronously, so one stream object serves every stream.
cudaError_t cudaStreamCreate(cudaStream_t* s) {
  static char tag;
  *s = reinterpret_cast<cudaStream_t>(&tag);
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaMallocHost(void** p, size_t bytes) { return cudaMalloc(p, bytes); }
cudaError_t cudaFreeHost(void* p) { return cudaFree(p); }
cudaError_t cudaMemGetInfo(size_t* free, size_t* total) {
  const size_t bytes = size_t(sysconf(_SC_PHYS_PAGES)) * size_t(sysconf(_SC_PAGE_SIZE));
  *free = bytes;
  *total = bytes;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device) {
  if (device != 0) return cudaErrorInvalidValue;
  *value = attr == cudaDevAttrComputeCapabilityMajor ? 9 : 0;
  return cudaSuccess;
}
const char* cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "emulated CUDA error"; }
