// CUDA emitter: self-contained .cu with its own kernels (a shared-memory tiled GEMM for the block
// products and a fused linear-combination kernel); the plan runs on the host and enqueues them.
#include "codegen/emit_parts.hpp"

namespace at::codegen {

namespace {

const char* const kPrelude = R"(
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>
#include <initializer_list>

#define NAME_CHECK(call)                                                                   \
  do {                                                                                     \
    cudaError_t e_ = (call);                                                               \
    if (e_ != cudaSuccess) {                                                               \
      std::fprintf(stderr, "NAME: %s:%d: %s\n", __FILE__, __LINE__, cudaGetErrorString(e_)); \
      std::exit(3);                                                                        \
    }                                                                                      \
  } while (0)

namespace NAME_impl {

// Row-major device views: element (i,j) at data[i*ld + j].
struct View { float* data; long ld; };
struct CView { const float* data; long ld; };
struct Term { CView v; float c; };
struct Ctx { cudaStream_t stream; };

inline CView sub(CView v, long row, long col) { return {v.data + row * v.ld + col, v.ld}; }
inline View sub(View v, long row, long col) { return {v.data + row * v.ld + col, v.ld}; }

// Up to kMaxTerms inputs per launch; longer forms chain launches that accumulate into out.
constexpr int kMaxTerms = 8;
struct LinArgs {
  const float* in[kMaxTerms];  // device pointers, rows x cols, leading dimension ld[t]
  long ld[kMaxTerms];
  float c[kMaxTerms];
  int terms;
  int accumulate;  // out += sum instead of out = sum
};

// out = (accumulate ? out : 0) + sum c[t]*in[t], one element per thread, grid-stride over rows.
__global__ void lincomb_kernel(LinArgs a, float* out, long ldo, int rows, int cols) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (col >= cols) return;
  for (int r = blockIdx.y; r < rows; r += gridDim.y) {
    float s = a.accumulate ? out[r * ldo + col] : 0.0f;
#pragma unroll
    for (int t = 0; t < kMaxTerms; ++t)
      if (t < a.terms) s += a.c[t] * a.in[t][r * a.ld[t] + col];
    out[r * ldo + col] = s;
  }
}

CView lincomb(const Ctx& ctx, View out, int rows, int cols, std::initializer_list<Term> in) {
  if (rows <= 0 || cols <= 0) return {out.data, out.ld};
  const dim3 block(128);
  const dim3 grid((cols + 127) / 128, rows < 65535 ? rows : 65535);
  const Term* t = in.begin();
  int launched = 0;
  do {
    LinArgs a{};
    a.accumulate = launched > 0;
    for (; t != in.end() && a.terms < kMaxTerms; ++t, ++a.terms) {
      a.in[a.terms] = t->v.data;
      a.ld[a.terms] = t->v.ld;
      a.c[a.terms] = t->c;
    }
    lincomb_kernel<<<grid, block, 0, ctx.stream>>>(a, out.data, out.ld, rows, cols);
    NAME_CHECK(cudaGetLastError());
    ++launched;
  } while (t != in.end());
  return {out.data, out.ld};
}

// Tiled GEMM: a 64x64 tile of C per block of 256 threads, 4x4 outputs per thread (rows ty+16i,
// columns tx+16j: coalesced stores), K in steps of 16 through shared memory (A stored transposed).
constexpr int kTile = 64, kTileK = 16;
__global__ void __launch_bounds__(256) gemm_kernel(const float* A, long lda, const float* B, long ldb, float* C,
                                                   long ldc, int n, int m, int p, int accumulate) {
  __shared__ float As[kTileK][kTile + 4];  // As[k][i] = A[row0+i][k0+k]
  __shared__ float Bs[kTileK][kTile];      // Bs[k][j] = B[k0+k][col0+j]
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const int row0 = blockIdx.y * kTile, col0 = blockIdx.x * kTile;
  float acc[4][4] = {};
  for (int k0 = 0; k0 < m; k0 += kTileK) {
    for (int e = threadIdx.x; e < kTile * kTileK; e += 256) {
      const int i = e / kTileK, k = e % kTileK, gi = row0 + i, gk = k0 + k;
      As[k][i] = (gi < n && gk < m) ? A[gi * lda + gk] : 0.0f;
    }
    for (int e = threadIdx.x; e < kTileK * kTile; e += 256) {
      const int k = e / kTile, j = e % kTile, gk = k0 + k, gj = col0 + j;
      Bs[k][j] = (gk < m && gj < p) ? B[gk * ldb + gj] : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < kTileK; ++k) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) a[i] = As[k][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; ++j) b[j] = Bs[k][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int gi = row0 + ty + 16 * i, gj = col0 + tx + 16 * j;
      if (gi < n && gj < p) {
        float* c = C + gi * ldc + gj;
        *c = accumulate ? *c + acc[i][j] : acc[i][j];
      }
    }
}

void base(const Ctx& ctx, CView A, CView B, View C, int n, int m, int p, int accumulate) {
  if (n <= 0 || p <= 0) return;
  const dim3 grid((p + kTile - 1) / kTile, (n + kTile - 1) / kTile);
  gemm_kernel<<<grid, 256, 0, ctx.stream>>>(A.data, A.ld, B.data, B.ld, C.data, C.ld, n, m, p, accumulate);
  NAME_CHECK(cudaGetLastError());
}

// One thread per element of C (grid-stride over rows), accumulating in double: the reference.
__global__ void reference_kernel(const float* A, const float* B, float* C, int n, int m, int p) {
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= p) return;
  for (int i = blockIdx.y; i < n; i += gridDim.y) {
    double s = 0;
    for (int j = 0; j < m; ++j) s += double(A[long(i) * m + j]) * double(B[long(j) * p + k]);
    C[long(i) * p + k] = float(s);
  }
}

)";

const char* const kApi = R"(
}  // namespace NAME_impl

long NAME_workspace(int n, int m, int p, int levels) { return NAME_impl::workspace(n, m, p, levels); }

// C = A*B on device pointers with `levels` levels of the scheme, enqueued on `stream`.
// workspace: NAME_workspace(...) floats of device memory, or nullptr (allocated and freed here,
// which synchronises).
void NAME(const float* A, const float* B, float* C, int n, int m, int p, int levels = LEVELS,
          float* workspace = nullptr, cudaStream_t stream = 0) {
  float* own = nullptr;
  const long need = NAME_workspace(n, m, p, levels);
  if (!workspace && need > 0) {
    NAME_CHECK(cudaMalloc(&own, sizeof(float) * need));
    workspace = own;
  }
  NAME_impl::run(NAME_impl::Ctx{stream}, {A, m}, {B, p}, {C, p}, n, m, p, levels, workspace, 0);
  if (own) NAME_CHECK(cudaFree(own));
}

// Our tiled GEMM alone (the base multiply underneath the scheme).
void NAME_base(const float* A, const float* B, float* C, int n, int m, int p, cudaStream_t stream = 0) {
  NAME_impl::base(NAME_impl::Ctx{stream}, {A, m}, {B, p}, {C, p}, n, m, p, 0);
}

// Plain reference multiply accumulating in double, for checking.
void NAME_reference(const float* A, const float* B, float* C, int n, int m, int p, cudaStream_t stream = 0) {
  if (n <= 0 || p <= 0) return;
  NAME_impl::reference_kernel<<<dim3((p + 127) / 128, n < 65535 ? n : 65535), 128, 0, stream>>>(A, B, C, n, m, p);
  NAME_CHECK(cudaGetLastError());
}

#ifdef ALPHATENSOR_CODEGEN_MAIN
#include <algorithm>
#include <cmath>
#include <vector>
#ifdef ALPHATENSOR_CODEGEN_CUBLAS
#include <cublas_v2.h>
#endif

// Usage: ./prog [n (8192)] [levels (LEVELS)] [reps (5)]: checks the scheme against the reference
// kernel and prints the best time, GFLOP/s (2n^3), speedup over our tiled GEMM alone and the
// relative error; with -DALPHATENSOR_CODEGEN_CUBLAS -lcublas also cuBLAS SGEMM as a reference line.
// Exits 1 when the relative error exceeds 1e-3.
int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 8192;
  const int levels = argc > 2 ? std::atoi(argv[2]) : LEVELS;
  const int reps = argc > 3 ? std::atoi(argv[3]) : 5;
  const size_t count = size_t(n) * n;
  std::vector<float> h(count);
  float *A, *B, *C, *R, *ws = nullptr;
  NAME_CHECK(cudaMalloc(&A, sizeof(float) * count));
  NAME_CHECK(cudaMalloc(&B, sizeof(float) * count));
  NAME_CHECK(cudaMalloc(&C, sizeof(float) * count));
  NAME_CHECK(cudaMalloc(&R, sizeof(float) * count));
  const long need = NAME_workspace(n, n, n, levels);
  if (need > 0) NAME_CHECK(cudaMalloc(&ws, sizeof(float) * need));
  unsigned state = 12345;
  for (float* d : {A, B}) {
    for (float& v : h) {
      state = state * 1664525u + 1013904223u;
      v = float(state >> 8) / float(1u << 24) * 2.0f - 1.0f;
    }
    NAME_CHECK(cudaMemcpy(d, h.data(), sizeof(float) * count, cudaMemcpyHostToDevice));
  }
  cudaEvent_t e0, e1;
  NAME_CHECK(cudaEventCreate(&e0));
  NAME_CHECK(cudaEventCreate(&e1));
  const double flop = 2.0 * n * double(n) * n;
  auto best = [&](auto&& f) {
    f();  // warm-up
    float ms = 1e30f;
    for (int r = 0; r < reps; ++r) {
      NAME_CHECK(cudaEventRecord(e0));
      f();
      NAME_CHECK(cudaEventRecord(e1));
      NAME_CHECK(cudaEventSynchronize(e1));
      float t;
      NAME_CHECK(cudaEventElapsedTime(&t, e0, e1));
      ms = std::min(ms, t);
    }
    return ms * 1e-3;
  };
  auto rel_error = [&]() {
    std::vector<float> c(count), r(count);
    NAME_CHECK(cudaMemcpy(c.data(), C, sizeof(float) * count, cudaMemcpyDeviceToHost));
    NAME_CHECK(cudaMemcpy(r.data(), R, sizeof(float) * count, cudaMemcpyDeviceToHost));
    double num = 0, den = 0;
    for (size_t i = 0; i < count; ++i) {
      num += (double(c[i]) - r[i]) * (double(c[i]) - r[i]);
      den += double(r[i]) * r[i];
    }
    return std::sqrt(num / den);
  };
  NAME_reference(A, B, R, n, n, n);
  const double t_base = best([&] { NAME_base(A, B, C, n, n, n); });
  const double e_base = rel_error();
  const double t_scheme = best([&] { NAME(A, B, C, n, n, n, levels, ws); });
  const double e_scheme = rel_error();
  std::printf("NAME n=%d tiled GEMM alone: %.4f s %.1f GFLOP/s, relative error %.2e\n", n, t_base,
              flop / t_base * 1e-9, e_base);
  std::printf("NAME n=%d levels=%d scheme: %.4f s %.1f GFLOP/s, speedup %.3f over tiled GEMM, relative error %.2e\n",
              n, levels, t_scheme, flop / t_scheme * 1e-9, t_base / t_scheme, e_scheme);
#ifdef ALPHATENSOR_CODEGEN_CUBLAS
  cublasHandle_t handle;
  cublasCreate(&handle);
  const float one = 1.0f, zero = 0.0f;
  // Row-major C = A*B is column-major C^T = B^T * A^T.
  const double t_cublas = best([&] {
    cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, B, n, A, n, &zero, C, n);
  });
  std::printf("NAME n=%d cuBLAS SGEMM (reference line): %.4f s %.1f GFLOP/s, relative error %.2e\n", n, t_cublas,
              flop / t_cublas * 1e-9, rel_error());
  cublasDestroy(handle);
#endif
  return e_scheme < 1e-3 ? 0 : 1;
}
#endif
)";

}  // namespace

std::string emit_cuda(const Scheme& s, const Plan& plan, const EmitOptions& o) {
  const char* const notes =
      "//   void NAME(const float* A, const float* B, float* C, int n, int m, int p,\n"
      "//             int levels = LEVELS, float* workspace = nullptr, cudaStream_t stream = 0);\n"
      "//   void NAME_base(const float* A, const float* B, float* C, int n, int m, int p, cudaStream_t = 0);\n"
      "//   void NAME_reference(const float* A, const float* B, float* C, int n, int m, int p, cudaStream_t = 0);\n"
      "// All pointers are device pointers. Kernels: lincomb_kernel (fused linear combinations of blocks)\n"
      "// and gemm_kernel (64x64 shared-memory tiles) in namespace NAME_impl.\n"
      "// Build: nvcc -O3 -arch=sm_90 [-DALPHATENSOR_CODEGEN_MAIN] FILE.cu\n";
  return emit_detail::assemble(s, plan, o, notes, kPrelude, kApi);
}

}  // namespace at::codegen
