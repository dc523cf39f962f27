// C++ emitter: standard library only, single-threaded; a tuned GEMM can be plugged in as `base`.
#include "codegen/emit_parts.hpp"

namespace at::codegen {

namespace {

// Language-specific part before the shared plan functions (NAME is replaced by the name).
const char* const kPrelude = R"(
#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <vector>

// Base multiply: C (n x p) = A*B, or C += A*B when accumulate != 0; row-major with leading
// dimensions lda, ldb, ldc. Pass a tuned GEMM here; the default is the plain loop below.
typedef void (*NAME_base_fn)(const float* A, long lda, const float* B, long ldb, float* C, long ldc,
                             int n, int m, int p, int accumulate);

namespace NAME_impl {

// Row-major views: element (i,j) at data[i*ld + j].
struct View { float* data; long ld; };
struct CView { const float* data; long ld; };
struct Term { CView v; float c; };
struct Ctx { NAME_base_fn base; };

inline CView sub(CView v, long row, long col) { return {v.data + row * v.ld + col, v.ld}; }
inline View sub(View v, long row, long col) { return {v.data + row * v.ld + col, v.ld}; }

// out (rows x cols) = sum of c*v in one pass: each input row is read once and the output row
// written once (it stays in L1 between the terms).
CView lincomb(const Ctx&, View out, int rows, int cols, std::initializer_list<Term> in) {
  for (int r = 0; r < rows; ++r) {
    float* o = out.data + r * out.ld;
    if (in.size() == 0) {
      std::fill(o, o + cols, 0.0f);
      continue;
    }
    const Term* t = in.begin();
    const float* x = t->v.data + r * t->v.ld;
    for (int j = 0; j < cols; ++j) o[j] = t->c * x[j];
    for (++t; t != in.end(); ++t) {
      const float* y = t->v.data + r * t->v.ld;
      const float c = t->c;
      for (int j = 0; j < cols; ++j) o[j] += c * y[j];
    }
  }
  return {out.data, out.ld};
}

// Plain loops, tiled so that a 256 x 512 panel of B stays in cache.
void base_default(CView A, CView B, View C, int n, int m, int p, int accumulate) {
  if (!accumulate)
    for (int i = 0; i < n; ++i) std::fill(C.data + i * C.ld, C.data + i * C.ld + p, 0.0f);
  for (int k0 = 0; k0 < p; k0 += 512) {
    const int k1 = std::min(p, k0 + 512);
    for (int j0 = 0; j0 < m; j0 += 256) {
      const int j1 = std::min(m, j0 + 256);
      for (int i = 0; i < n; ++i) {
        float* c = C.data + i * C.ld;
        for (int j = j0; j < j1; ++j) {
          const float a = A.data[i * A.ld + j];
          const float* b = B.data + j * B.ld;
          for (int k = k0; k < k1; ++k) c[k] += a * b[k];
        }
      }
    }
  }
}

void base(const Ctx& ctx, CView A, CView B, View C, int n, int m, int p, int accumulate) {
  if (n <= 0 || p <= 0) return;
  if (ctx.base) ctx.base(A.data, A.ld, B.data, B.ld, C.data, C.ld, n, m, p, accumulate);
  else base_default(A, B, C, n, m, p, accumulate);
}

)";

const char* const kApi = R"(
}  // namespace NAME_impl

long NAME_workspace(int n, int m, int p, int levels) { return NAME_impl::workspace(n, m, p, levels); }

// C = A*B with `levels` levels of the scheme; workspace: NAME_workspace(...) floats or nullptr.
void NAME(const float* A, const float* B, float* C, int n, int m, int p, int levels = LEVELS,
          NAME_base_fn base = nullptr, float* workspace = nullptr) {
  std::vector<float> own;
  if (!workspace) {
    own.resize(static_cast<std::size_t>(NAME_workspace(n, m, p, levels)));
    workspace = own.data();
  }
  NAME_impl::run(NAME_impl::Ctx{base}, {A, m}, {B, p}, {C, p}, n, m, p, levels, workspace, 0);
}

// Plain reference multiply accumulating in double, for checking.
void NAME_reference(const float* A, const float* B, float* C, int n, int m, int p) {
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < p; ++k) {
      double s = 0;
      for (int j = 0; j < m; ++j) s += double(A[long(i) * m + j]) * double(B[long(j) * p + k]);
      C[long(i) * p + k] = float(s);
    }
}

#ifdef ALPHATENSOR_CODEGEN_MAIN
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

// Usage: ./prog [n (512)] [levels (LEVELS)]: checks against the reference, times the scheme
// and the base multiply alone (best of 3), exits 1 when the relative error exceeds 1e-3.
int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 512;
  const int levels = argc > 2 ? std::atoi(argv[2]) : LEVELS;
  std::vector<float> A(std::size_t(n) * n), B(A.size()), C(A.size()), R(A.size());
  unsigned state = 12345;
  for (float* v : {A.data(), B.data()})
    for (std::size_t i = 0; i < A.size(); ++i) {
      state = state * 1664525u + 1013904223u;
      v[i] = float(state >> 8) / float(1u << 24) * 2.0f - 1.0f;
    }
  auto best = [&](int lv) {
    double t = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
      const auto t0 = std::chrono::steady_clock::now();
      NAME(A.data(), B.data(), C.data(), n, n, n, lv);
      t = std::min(t, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return t;
  };
  const double t_base = best(0);
  const double t_scheme = best(levels);
  NAME_reference(A.data(), B.data(), R.data(), n, n, n);
  double num = 0, den = 0;
  for (std::size_t i = 0; i < R.size(); ++i) {
    num += (double(C[i]) - R[i]) * (double(C[i]) - R[i]);
    den += double(R[i]) * R[i];
  }
  const double err = std::sqrt(num / den), flop = 2.0 * n * double(n) * n;
  std::printf("NAME n=%d levels=%d: %.4f s %.2f GFLOP/s; base alone %.4f s %.2f GFLOP/s; speedup %.3f; "
              "relative error %.2e\n", n, levels, t_scheme, flop / t_scheme * 1e-9, t_base,
              flop / t_base * 1e-9, t_base / t_scheme, err);
  return err < 1e-3 ? 0 : 1;
}
#endif
)";

}  // namespace

std::string emit_cpp(const Scheme& s, const Plan& plan, const EmitOptions& o) {
  const char* const notes =
      "//   void NAME(const float* A, const float* B, float* C, int n, int m, int p,\n"
      "//             int levels = LEVELS, NAME_base_fn base = nullptr, float* workspace = nullptr);\n"
      "//   void NAME_reference(const float* A, const float* B, float* C, int n, int m, int p);\n"
      "// Standard C++ only, single-threaded; internal names live in namespace NAME_impl, so several\n"
      "// generated files can share one translation unit.\n";
  return emit_detail::assemble(s, plan, o, notes, kPrelude, kApi);
}

}  // namespace at::codegen
