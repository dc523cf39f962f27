// Shared-memory race checker for emulated kernels. Kernel sources are compiled with GCC's
// -fsanitize=kernel-address and a call threshold of 0, so every load and store calls the
// __asan_* hooks below; no change to kernel sources is needed. Per 4-byte word of shared memory
// (the executable's static TLS block, where __shared__ thread_locals live, and the dynamic shared
// buffer) the checker keeps the last writer and the readers of the current barrier interval, and
// flags an access by another thread that conflicts (write-write, read-after-write,
// write-after-read) within one interval. Warp-synchronous shared-memory exchanges are not modelled:
// the project's kernels communicate through shared memory only across __syncthreads.
#include <link.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernels/emu/emu_internal.hpp"
#include "kernels/emu/race_check.hpp"

namespace at::emu {
namespace {

struct Word {
  uint64_t write_gen = ~uint64_t(0);
  int writer = -1;
  uint64_t read_gen = ~uint64_t(0);
  int reader = -1;          // the first reader of the interval
  bool many_readers = false;
};

struct Shadow {
  uintptr_t tls_lo = 0, tls_hi = 0;  // this OS thread's static TLS block
  uintptr_t dyn_lo = 0, dyn_hi = 0;  // the running block's dynamic shared buffer
  std::unordered_map<uintptr_t, Word> words;
  bool active = false;
};
thread_local Shadow tl_shadow;

std::mutex g_mu;                       // guards g_reports
std::vector<std::string> g_reports;    // first reports, for messages
std::atomic<long> g_races{0};

uintptr_t thread_pointer() {
  uintptr_t tp;
  asm volatile("mov %%fs:0, %0" : "=r"(tp));
  return tp;
}

int tls_of_executable(struct dl_phdr_info* info, size_t, void* out) {
  // The first object is the executable; x86-64 places its static TLS block just below the
  // thread pointer, rounded up to the segment alignment.
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_TLS) {
      const size_t align = ph.p_align ? ph.p_align : 1;
      *static_cast<size_t*>(out) = (ph.p_memsz + align - 1) / align * align;
    }
  }
  return 1;  // stop after the executable
}

void block_begin(BlockState& b) {
  Shadow& s = tl_shadow;
  if (s.tls_hi == 0) {
    size_t size = 0;
    dl_iterate_phdr(tls_of_executable, &size);
    s.tls_hi = thread_pointer();
    s.tls_lo = s.tls_hi - size;
  }
  s.dyn_lo = reinterpret_cast<uintptr_t>(b.dynamic_shared.data());
  s.dyn_hi = s.dyn_lo + b.dynamic_shared.size();
  s.words.clear();
  s.active = true;
}

void block_end(BlockState&) { tl_shadow.active = false; }

void report(const BlockState& b, uintptr_t word, int other, const char* what) {
  if (g_races.fetch_add(1) >= 20) return;
  const Shadow& s = tl_shadow;
  const bool dyn = word >= s.dyn_lo && word < s.dyn_hi;
  const uintptr_t off = word - (dyn ? s.dyn_lo : s.tls_lo);
  std::lock_guard<std::mutex> lock(g_mu);
  g_reports.push_back(std::string("race in kernel ") + b.kernel + ": thread " + std::to_string(b.current) + " " + what +
                      " thread " + std::to_string(other) + " in one barrier interval (" +
                      (dyn ? "dynamic" : "static") + " shared memory, offset " + std::to_string(off) + ")");
}

void access(const void* p, size_t n, bool write) {
  Shadow& s = tl_shadow;
  if (!s.active) return;
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  const bool shared = (a >= s.tls_lo && a < s.tls_hi) || (a >= s.dyn_lo && a < s.dyn_hi);
  if (!shared) return;
  BlockState* b = current_block();
  if (!b) return;
  const int t = b->current;
  const uint64_t gen = b->generation;
  for (uintptr_t w = a & ~uintptr_t(3); w < a + n; w += 4) {
    Word& x = s.words[w];
    if (write) {
      if (x.write_gen == gen && x.writer != t) report(*b, w, x.writer, "writes a word written by");
      else if (x.read_gen == gen && (x.many_readers || x.reader != t)) report(*b, w, x.reader, "writes a word read by");
      x.write_gen = gen;
      x.writer = t;
    } else {
      if (x.write_gen == gen && x.writer != t) report(*b, w, x.writer, "reads a word written by");
      if (x.read_gen != gen) {
        x.read_gen = gen;
        x.reader = t;
        x.many_readers = false;
      } else if (x.reader != t) {
        x.many_readers = true;
      }
    }
  }
}

}  // namespace

void race_check_enable() {
  launch_hooks().block_begin = block_begin;
  launch_hooks().block_end = block_end;
}

long race_count() { return g_races.load(); }

std::vector<std::string> race_reports() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_reports;
}

void race_reset() {
  std::lock_guard<std::mutex> lock(g_mu);
  g_reports.clear();
  g_races = 0;
}

}  // namespace at::emu

// The hooks GCC's kernel-address instrumentation calls.
#define AT_HOOKS(N)                                                                              \
  extern "C" void __asan_load##N##_noabort(void* p) { at::emu::access(p, N, false); }          \
  extern "C" void __asan_store##N##_noabort(void* p) { at::emu::access(p, N, true); }          \
  extern "C" void __asan_load##N(void* p) { at::emu::access(p, N, false); }                    \
  extern "C" void __asan_store##N(void* p) { at::emu::access(p, N, true); }
AT_HOOKS(1)
AT_HOOKS(2)
AT_HOOKS(4)
AT_HOOKS(8)
AT_HOOKS(16)
extern "C" void __asan_loadN_noabort(void* p, size_t n) { at::emu::access(p, n, false); }
extern "C" void __asan_storeN_noabort(void* p, size_t n) { at::emu::access(p, n, true); }
extern "C" void __asan_loadN(void* p, size_t n) { at::emu::access(p, n, false); }
extern "C" void __asan_storeN(void* p, size_t n) { at::emu::access(p, n, true); }
extern "C" void __asan_handle_no_return() {}
