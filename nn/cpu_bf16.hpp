#pragma once
// The bf16 inference matmul of the CPU backend (AVX512-BF16's vdpbf16ps: pairs of bf16 products
// added into fp32 lanes; or AMX's tdpbf16ps on 16×16 tiles): weights rounded to bf16 and packed
// once, activations rounded on the fly, fp32 accumulation. nn/cpu_bf16.cpp is compiled only for that instruction set and isolated like
// the CPU paths (cmake/AlphatensorIsa.cmake): call it only when bf16_supported() (core/isa.hpp).
// Each output element is one fixed-order sum over K: results do not depend on the thread count.
#include <cstddef>
#include <cstdint>

namespace at::nn::isa_avx512bf16 {

// Elements of w [K, N] packed (uint32: a pair of bf16 along K, in panels of 64 columns).
size_t entry_bf16_packed_size(int K, int N);
// packed [entry_bf16_packed_size(K, N)] = w rounded to bf16 (nearest even) and laid out for the
// product.
void entry_bf16_pack(const float* w, int K, int N, uint32_t* packed);
// y[M, N] = bf16(x)[M, K] · packed + b[N] (b may be null), fp32 sums; with `amx` on AMX tiles
// (only where amx_supported() and entry_bf16_has_amx()), else with vdpbf16ps.
void entry_bf16_linear(const float* x, const uint32_t* packed, const float* b, float* y, int M, int K, int N, bool amx);
// This object was compiled with AMX (g++ >= 11).
bool entry_bf16_has_amx();

}  // namespace at::nn::isa_avx512bf16
