// The bf16 inference matmul (nn/cpu_bf16.hpp), compiled with the AVX-512 path's flags plus
// -mavx512bf16 inside namespace ALPHATENSOR_ISA_NS = isa_avx512bf16 (cmake/AlphatensorIsa.cmake).
#include "nn/cpu_bf16.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#ifdef __AVX512BF16__
#include <immintrin.h>
#endif

namespace at::nn::ALPHATENSOR_ISA_NS {

namespace {
// Packed layout: panel q of 64 columns, then pair p = (rows 2p, 2p+1) of K, then 64 uint32 (one per
// column: the bf16 of row 2p in the low half, of row 2p+1 in the high half; zero past K or N). The
// pairs are padded to whole AMX tiles (16 pairs); a panel's 16 pairs × 16 columns is one B tile.
constexpr int kPanel = 64;
constexpr int kTilePairs = 16;
constexpr int kStrip = 6;      // rows per AVX-512 micro-kernel: 6 × 4 vectors = 24 accumulators
constexpr int kRowTile = 16 * kStrip;  // rows per task (the panel stays in L2 across its strips)
constexpr int kAmxRows = 32;   // rows per AMX block: 2 × 2 tiles of 16 × 16 sums
int pairs(int K) { return (K + 1) / 2; }
int padded_pairs(int K) { return (pairs(K) + kTilePairs - 1) / kTilePairs * kTilePairs; }
int panels(int N) { return (N + kPanel - 1) / kPanel; }
}  // namespace

size_t entry_bf16_packed_size(int K, int N) { return size_t(panels(N)) * padded_pairs(K) * kPanel; }

bool entry_bf16_has_amx() {
#ifdef __AMX_BF16__
  return true;
#else
  return false;
#endif
}

#ifdef __AVX512BF16__
namespace {
__mmask16 first(int n) { return __mmask16(n >= 16 ? 0xFFFF : (1u << std::max(n, 0)) - 1); }

// 16 floats (n of them valid, the rest 0) as 16 bf16, rounded to nearest even.
__m256i to_bf16(const float* p, int n) { return (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(first(n), p)); }

// y[R rows, the panel's columns c0 .. c0 + 63 below N] = x rows (bf16 pairs: P, PP apart) · panel.
template <int R>
void strip(const uint32_t* xb, int P, int PP, const uint32_t* panel, const float* b, float* y, int N, int c0) {
  __m512 acc[R][4];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) acc[r][v] = _mm512_setzero_ps();
  for (int p = 0; p < P; ++p) {
    const uint32_t* w = panel + size_t(p) * kPanel;
    const __m512i w0 = _mm512_loadu_si512(w), w1 = _mm512_loadu_si512(w + 16);
    const __m512i w2 = _mm512_loadu_si512(w + 32), w3 = _mm512_loadu_si512(w + 48);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512bh a = (__m512bh)_mm512_set1_epi32(int(xb[size_t(r) * PP + p]));
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], a, (__m512bh)w0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], a, (__m512bh)w1);
      acc[r][2] = _mm512_dpbf16_ps(acc[r][2], a, (__m512bh)w2);
      acc[r][3] = _mm512_dpbf16_ps(acc[r][3], a, (__m512bh)w3);
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < 4; ++v) {
    const int c = c0 + 16 * v;
    if (c >= N) break;
    const __mmask16 m = first(N - c);
    const __m512 bias = b ? _mm512_maskz_loadu_ps(m, b + c) : _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) _mm512_mask_storeu_ps(y + size_t(r) * N + c, m, _mm512_add_ps(acc[r][v], bias));
  }
}

using StripFn = void (*)(const uint32_t*, int, int, const uint32_t*, const float*, float*, int, int);
constexpr StripFn kStrips[kStrip + 1] = {nullptr, strip<1>, strip<2>, strip<3>, strip<4>, strip<5>, strip<6>};

// y[rows r0 .. r1 (at most 32) below M, panel columns] = xb rows (32, zero past M) · panel on AMX
// tiles: per half panel, 2 × 2 tiles of 16 × 16 fp32 sums over the padded pairs PP.
#ifdef __AMX_BF16__
struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0, reserved[14] = {};
  uint16_t colsb[16] = {64, 64, 64, 64, 64, 64, 64, 64};  // every tile 16 rows × 64 bytes
  uint8_t rows[16] = {16, 16, 16, 16, 16, 16, 16, 16};
};

void amx_block(const uint32_t* xb, int PP, const uint32_t* panel, const float* b, float* y, int rows, int N, int c0) {
  alignas(64) float c[kAmxRows][32];
  const size_t xs = size_t(PP) * 4, ws = kPanel * 4;  // row strides in bytes
  for (int h = 0; h < 2; ++h) {
    const int ch = c0 + 32 * h;
    if (ch >= N) break;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (int p = 0; p < PP; p += kTilePairs) {
      _tile_loadd(4, xb + p, xs);
      _tile_loadd(5, xb + size_t(16) * PP + p, xs);
      _tile_loadd(6, panel + size_t(p) * kPanel + 32 * h, ws);
      _tile_loadd(7, panel + size_t(p) * kPanel + 32 * h + 16, ws);
      _tile_dpbf16ps(0, 4, 6);
      _tile_dpbf16ps(1, 4, 7);
      _tile_dpbf16ps(2, 5, 6);
      _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, &c[0][0], sizeof c[0]);
    _tile_stored(1, &c[0][16], sizeof c[0]);
    _tile_stored(2, &c[16][0], sizeof c[0]);
    _tile_stored(3, &c[16][16], sizeof c[0]);
    for (int v = 0; v < 2; ++v) {
      const int col = ch + 16 * v;
      if (col >= N) break;
      const __mmask16 m = first(N - col);
      const __m512 bias = b ? _mm512_maskz_loadu_ps(m, b + col) : _mm512_setzero_ps();
      for (int r = 0; r < rows; ++r)
        _mm512_mask_storeu_ps(y + size_t(r) * N + col, m, _mm512_add_ps(_mm512_load_ps(&c[r][16 * v]), bias));
    }
  }
}
const TileConfig kTiles;
#endif
}  // namespace

void entry_bf16_pack(const float* w, int K, int N, uint32_t* packed) {
  const int P = pairs(K), PP = padded_pairs(K);
  tbb::parallel_for(tbb::blocked_range<int>(0, panels(N)), [&](const tbb::blocked_range<int>& r) {
    for (int q = r.begin(); q != r.end(); ++q)
      for (int p = 0; p < PP; ++p)
        for (int v = 0; v < 4; ++v) {
          const int c = q * kPanel + 16 * v, n = p < P ? N - c : 0;
          const __m256i lo = to_bf16(w + size_t(2 * p) * N + c, n);
          const __m256i hi = 2 * p + 1 < K ? to_bf16(w + size_t(2 * p + 1) * N + c, n) : _mm256_setzero_si256();
          const __m512i pair = _mm512_or_si512(_mm512_cvtepu16_epi32(lo), _mm512_slli_epi32(_mm512_cvtepu16_epi32(hi), 16));
          _mm512_storeu_si512(packed + (size_t(q) * PP + p) * kPanel + 16 * v, pair);
        }
  });
}

void entry_bf16_linear(const float* x, const uint32_t* packed, const float* b, float* y, int M, int K, int N, bool amx) {
#ifndef __AMX_BF16__
  amx = false;
#endif
  const int P = pairs(K), PP = padded_pairs(K);
  // The activations as bf16 rows of PP pairs (zero past K; AMX: rows zero up to whole blocks).
  std::vector<uint32_t> xb(size_t(amx ? (M + kAmxRows - 1) / kAmxRows * kAmxRows : M) * PP);
  tbb::parallel_for(tbb::blocked_range<int>(0, M, 64), [&](const tbb::blocked_range<int>& r) {
    for (int m = r.begin(); m != r.end(); ++m)
      for (int k = 0; k < 2 * P; k += 16) {
        const __m256i h = to_bf16(x + size_t(m) * K + k, K - k);
        _mm256_mask_storeu_epi16(reinterpret_cast<uint16_t*>(xb.data() + size_t(m) * PP) + k, first(2 * P - k), h);
      }
  });
  const uint32_t* xs = xb.data();
  const int row_tiles = (M + kRowTile - 1) / kRowTile, cols = panels(N);
  tbb::parallel_for(tbb::blocked_range<int>(0, row_tiles * cols), [&](const tbb::blocked_range<int>& r) {
#ifdef __AMX_BF16__
    if (amx) _tile_loadconfig(&kTiles);
#endif
    for (int t = r.begin(); t != r.end(); ++t) {
      const int q = t % cols, r0 = (t / cols) * kRowTile, r1 = std::min(M, r0 + kRowTile);
      const uint32_t* panel = packed + size_t(q) * PP * kPanel;
#ifdef __AMX_BF16__
      if (amx) {
        for (int m = r0; m < r1; m += kAmxRows)
          amx_block(xs + size_t(m) * PP, PP, panel, b, y + size_t(m) * N, std::min(kAmxRows, r1 - m), N, q * kPanel);
        continue;
      }
#endif
      for (int m = r0; m < r1; m += kStrip) {
        const int rows = std::min(kStrip, r1 - m);
        kStrips[rows](xs + size_t(m) * PP, P, PP, panel, b, y + size_t(m) * N, N, q * kPanel);
      }
    }
#ifdef __AMX_BF16__
    if (amx) _tile_release();
#endif
  });
}
#else
// Built without AVX512-BF16 (not x86-64): bf16_supported() is false, nothing calls these.
void entry_bf16_pack(const float*, int, int, uint32_t*) { throw std::logic_error("bf16 matmul not built"); }
void entry_bf16_linear(const float*, const uint32_t*, const float*, float*, int, int, int, bool) {
  throw std::logic_error("bf16 matmul not built");
}
#endif

}  // namespace at::nn::ALPHATENSOR_ISA_NS
