#include "core/isa.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <cstdlib>
#include <string>

#include "core/files.hpp"

namespace at {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::sse2: return "sse2";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "?";
}

bool isa_supported(Isa isa) {
#if defined(__x86_64__)
  // libgcc's checks include the OS's XSAVE state (AVX registers saved on context switch).
  __builtin_cpu_init();
  const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  switch (isa) {
    case Isa::sse2: return true;
    case Isa::avx2: return v3;
    case Isa::avx512:
      return v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  }
  return false;
#else
  return isa == Isa::sse2;  // elsewhere the three paths are the same portable code
#endif
}

bool bf16_supported() {
#if defined(__x86_64__)
  // CPUID leaf 7, subleaf 1, EAX bit 5 (g++ 10's __builtin_cpu_supports has no name for it).
  unsigned a = 0, b = 0, c = 0, d = 0;
  return isa_supported(Isa::avx512) && __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5));
#else
  return false;
#endif
}

bool amx_supported() {
#if defined(__x86_64__) && defined(__linux__)
  static const bool ok = [] {
    const char* env = std::getenv("ALPHATENSOR_AMX");
    if (!bf16_supported() || (env && std::string(env) == "0")) return false;
    unsigned a = 0, b = 0, c = 0, d = 0;  // CPUID leaf 7: EDX bit 22 AMX-BF16, bit 24 AMX-TILE
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1u << 22)) || !(d & (1u << 24))) return false;
    const long kReqXcompPerm = 0x1023, kXtileData = 18;  // asm/prctl.h, the tile data state component
    return syscall(SYS_arch_prctl, kReqXcompPerm, kXtileData) == 0;
  }();
  return ok;
#else
  return false;
#endif
}

namespace {
Isa choose() {
  const char* env = std::getenv("ALPHATENSOR_ISA");
  if (env && *env) {
    for (Isa isa : kAllIsas) {
      if (env != std::string(isa_name(isa))) continue;
      if (!isa_supported(isa)) throw InputError(std::string("ALPHATENSOR_ISA=") + env + ": this CPU cannot run it");
      return isa;
    }
    throw InputError(std::string("ALPHATENSOR_ISA=") + env + ": expected sse2, avx2 or avx512");
  }
  for (Isa isa : {Isa::avx512, Isa::avx2})
    if (isa_supported(isa)) return isa;
  return Isa::sse2;
}
}  // namespace

Isa active_isa() {
  static const Isa isa = choose();
  return isa;
}

}  // namespace at
