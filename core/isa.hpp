#pragma once
// The CPU code path of the hot loops (nn's CPU backend, the codegen executor): one portable binary
// holds each loop compiled three times (cmake/AlphatensorIsa.cmake) and runs the best one the CPU
// has. ALPHATENSOR_ISA=sse2|avx2|avx512 forces one.
namespace at {

enum class Isa { sse2, avx2, avx512 };  // x86-64 baseline, x86-64-v3 (AVX2+FMA), x86-64-v4 (AVX-512)

constexpr Isa kAllIsas[] = {Isa::sse2, Isa::avx2, Isa::avx512};

const char* isa_name(Isa isa);
// The CPU (and the OS, which must save the wider registers) can run this path.
bool isa_supported(Isa isa);
// The path in use, chosen on the first call: ALPHATENSOR_ISA when set, else the best supported.
// Throws InputError (one line) when ALPHATENSOR_ISA names no path or one this CPU cannot run.
Isa active_isa();
// The CPU has AVX512-BF16 (vdpbf16ps) and can run the AVX-512 path: the CPU backend's optional
// bf16 inference matmuls (nn/cpu_bf16.hpp) may run.
bool bf16_supported();
// Also AMX (AMX-TILE, AMX-BF16) and Linux grants this process the tile registers (arch_prctl
// XTILEDATA, asked on the first call): the bf16 products run on AMX tiles. ALPHATENSOR_AMX=0 says
// no (the AVX512-BF16 kernel instead).
bool amx_supported();

}  // namespace at
