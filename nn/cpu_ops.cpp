// The CPU backend's compute ops (see nn/cpu_kernels.hpp), compiled once per CPU path with that
// path's flags inside namespace ALPHATENSOR_ISA_NS (cmake/AlphatensorIsa.cmake).
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <Eigen/Dense>
#include <unsupported/Eigen/SpecialFunctions>  // Array::erf: vectorised for float since Eigen 3.4
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "nn/cpu_backend.hpp"
#include "nn/cpu_kernels.hpp"

namespace at::nn::ALPHATENSOR_ISA_NS {
namespace {

template <typename T>
using MatR = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Map = Eigen::Map<MatR<T>, 0, Eigen::OuterStride<>>;
template <typename T>
using CMap = Eigen::Map<const MatR<T>, 0, Eigen::OuterStride<>>;

template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

template <typename T>
Map<T> mat(T* p, int rows, int cols, int ld) { return Map<T>(p, rows, cols, Eigen::OuterStride<>(ld)); }
template <typename T>
CMap<T> mat(const T* p, int rows, int cols, int ld) { return CMap<T>(p, rows, cols, Eigen::OuterStride<>(ld)); }

// Runs f(begin, end) over [0, n) in chunks of `chunk` (fixed by the caller from the shapes only).
template <typename F>
void chunked(size_t n, size_t chunk, F&& f) {
  if (n == 0) return;
  const size_t chunks = (n + chunk - 1) / chunk;
  if (chunks == 1) return f(size_t(0), n);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, chunks, 1), [&](const tbb::blocked_range<size_t>& r) {
    for (size_t c = r.begin(); c != r.end(); ++c) f(c * chunk, std::min(n, (c + 1) * chunk));
  });
}

// Rows per chunk so that a chunk holds roughly 64k elements of work.
size_t row_chunk(int cols) { return std::max<size_t>(16, (size_t(1) << 16) / size_t(std::max(cols, 1))); }

constexpr size_t kElementChunk = size_t(1) << 16;

}  // namespace

template <typename T>
class Ops final : public CpuKernels<T> {
 public:
  void linear_forward(const T* x, const T* w, const T* b, T* y, int M, int K, int N) const override;
  void linear_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, T* db, int M, int K, int N) const override;
  size_t linear_packed_size(int K, int N) const override;
  void linear_pack(const T* w, int K, int N, T* packed) const override;
  void linear_packed(const T* x, const T* packed, const T* b, T* y, int M, int K, int N) const override;
  void copy2d(const T* src, int src_ld, T* dst, int dst_ld, int rows, int cols, bool accumulate) const override;
  void add(T* y, const T* x, size_t n) const override;

  void layernorm_forward(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd, int rows, int cols) const override;
  void layernorm_backward(const T* x, const T* gamma, const T* mean, const T* rstd, const T* dy, T* dx, T* dgamma,
                          T* dbeta, int rows, int cols) const override;
  void gelu_forward(const T* x, T* y, size_t n) const override;
  void gelu_backward(const T* x, const T* dy, T* dx, size_t n) const override;
  void relu_forward(const T* x, T* y, size_t n) const override;
  void relu_backward(const T* x, const T* dy, T* dx, size_t n) const override;
  void dropout_forward(const T* x, T* y, T* mask, size_t n, double p, uint64_t seed) const override;
  void dropout_backward(const T* mask, const T* dy, T* dx, size_t n) const override;

  void attention_forward(const T* q, const T* k, const T* v, T* o, T* p, const AttentionShape& s) const override;
  void attention_backward(const T* q, const T* k, const T* v, const T* p, const T* dout, T* dq, T* dk, T* dv,
                          const AttentionShape& s) const override;

  void embedding_forward(const T* table, const int* ids, T* out, int n, int dim) const override;
  void embedding_backward(const int* ids, const T* dout, T* dtable, int n, int vocab, int dim) const override;
  void modes_concat(const T* g1, const T* g2, T* x, int batch, int S, int c, bool accumulate) const override;
  void modes_split(const T* x, T* g1, T* g2, int batch, int S, int c, bool accumulate) const override;

  void softmax_xent(const T* logits, const int* targets, const T* weights, T* row_loss, T* dlogits, int rows,
                    int V) const override;
  void quantile_huber(const T* pred, const T* target, const T* weights, T* row_loss, T* dpred, int rows, int Q,
                      double delta) const override;

  void sum_squares(const T* g, size_t n, T* out) const override;
  void adamw_step(T* param, const T* grad, T* m, T* v, size_t n, const T* norm_sq, const AdamWParams& a) const override;
};

// ---- dense --------------------------------------------------------------------------------------

namespace {
// Runs f(r0, r1, c0, c1) over the tiles of a rows×cols output, kTile² each (the edges smaller):
// both a few rows (decoding: 32 sequences against a 2048×6144 weight) and many rows spread over
// the threads, and each product packs its operands once per tile.
constexpr int kTile = 256;
template <typename F>
void tiled(int rows, int cols, F&& f) {
  const size_t col_tiles = size_t((cols + kTile - 1) / kTile);
  chunked(size_t((rows + kTile - 1) / kTile) * col_tiles, 1, [&](size_t t0, size_t t1) {
    for (size_t t = t0; t < t1; ++t) {
      const int r0 = int(t / col_tiles) * kTile, c0 = int(t % col_tiles) * kTile;
      f(r0, std::min(rows, r0 + kTile), c0, std::min(cols, c0 + kTile));
    }
  });
}
}  // namespace

template <typename T>
void Ops<T>::linear_forward(const T* x, const T* w, const T* b, T* y, int M, int K, int N) const {
  tiled(M, N, [&](int r0, int r1, int c0, int c1) {
    auto Y = mat(y + size_t(r0) * N + c0, r1 - r0, c1 - c0, N);
    Y.noalias() = mat(x + size_t(r0) * K, r1 - r0, K, K) * mat(w + c0, K, c1 - c0, N);
    if (b) Y.rowwise() += Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(b + c0, c1 - c0);
  });
}

// ---- inference against packed weights --------------------------------------------------------------
// A weight is packed once into panels of kPanel<T> columns, each panel [K][kPanel] contiguous (the
// last one padded with zeros), so the kernel streams it in order: no per-call packing (Eigen packs
// the whole weight on every call, a pass over memory as long as the product itself when 32
// decoding rows meet a weight of many MB), and a sequential stream the prefetcher follows.
// kPackRows rows of x at a time against one panel, in registers, over K blocks of kPackK rows of
// the panel (kept in L1/L2 for the next row group). Each output sums over k in one fixed order.
namespace {
template <typename T>
using Packet = typename Eigen::internal::packet_traits<T>::type;
template <typename T>
constexpr int kPacket = Eigen::internal::unpacket_traits<Packet<T>>::size;
// Packets per panel row: 512-bit paths have 32 vector registers (6 rows × 4 accumulators), the
// others 16 (6 × 2).
template <typename T>
constexpr int kPanelPackets = kPacket<T> * sizeof(T) >= 64 ? 4 : 2;
template <typename T>
constexpr int kPanel = kPanelPackets<T> * kPacket<T>;
constexpr int kPackRows = 6;
constexpr int kPackK = 256;
constexpr int kPackRowBlock = 42 * kPackRows;  // rows per work item, so many rows spread over threads

// acc = y[0..R)[0..kPanel) (or 0 when k0 = 0) + x[0..R)[k0..k1) · panel[k0..k1), stored to y (ld N).
template <typename T, int R>
void packed_panel(const T* x, int K, const T* panel, T* y, int N, int k0, int k1) {
  using namespace Eigen::internal;
  constexpr int L = kPacket<T>, P = kPanelPackets<T>;
  Packet<T> acc[R][P];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < P; ++j) acc[r][j] = k0 > 0 ? ploadu<Packet<T>>(y + size_t(r) * N + j * L) : pset1<Packet<T>>(T(0));
  const T* p = panel + size_t(k0) * kPanel<T>;
  for (int k = k0; k < k1; ++k, p += kPanel<T>) {
    prefetch(p + 8 * kPanel<T>);
    Packet<T> wk[P];
    for (int j = 0; j < P; ++j) wk[j] = pload<Packet<T>>(p + j * L);
    for (int r = 0; r < R; ++r) {
      const Packet<T> xr = pset1<Packet<T>>(x[size_t(r) * K + k]);
      for (int j = 0; j < P; ++j) acc[r][j] = pmadd(xr, wk[j], acc[r][j]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < P; ++j) pstoreu(y + size_t(r) * N + j * L, acc[r][j]);
}

template <typename T>
void packed_rows(const T* x, int K, const T* panel, T* y, int N, int k0, int k1, int rows) {
  switch (rows) {
    case 1: return packed_panel<T, 1>(x, K, panel, y, N, k0, k1);
    case 2: return packed_panel<T, 2>(x, K, panel, y, N, k0, k1);
    case 3: return packed_panel<T, 3>(x, K, panel, y, N, k0, k1);
    case 4: return packed_panel<T, 4>(x, K, panel, y, N, k0, k1);
    case 5: return packed_panel<T, 5>(x, K, panel, y, N, k0, k1);
    default: return packed_panel<T, kPackRows>(x, K, panel, y, N, k0, k1);
  }
}

// Rows [r0, r1) of y against panel `p`: a full panel in K blocks straight into y; the last,
// partial one over all of K into a row group's buffer, of which its columns are copied.
template <typename T>
void packed_block(const T* x, const T* packed, T* y, int K, int N, int r0, int r1, int p) {
  const int c = p * kPanel<T>, cols = std::min(kPanel<T>, N - c);
  const T* panel = packed + size_t(c) * K;
  if (cols == kPanel<T>) {
    for (int k0 = 0; k0 < K; k0 += kPackK)
      for (int r = r0; r < r1; r += kPackRows)
        packed_rows(x + size_t(r) * K, K, panel, y + size_t(r) * N + c, N, k0, std::min(K, k0 + kPackK),
                    std::min(kPackRows, r1 - r));
    return;
  }
  alignas(64) T part[kPackRows * kPanel<T>];  // [rows][kPanel]
  for (int r = r0; r < r1; r += kPackRows) {
    const int rows = std::min(kPackRows, r1 - r);
    packed_rows(x + size_t(r) * K, K, panel, part, kPanel<T>, 0, K, rows);
    for (int i = 0; i < rows; ++i) std::copy(part + i * kPanel<T>, part + i * kPanel<T> + cols, y + size_t(r + i) * N + c);
  }
}
}  // namespace

template <typename T>
size_t Ops<T>::linear_packed_size(int K, int N) const {
  return size_t(K) * size_t((N + kPanel<T> - 1) / kPanel<T>) * kPanel<T>;
}

template <typename T>
void Ops<T>::linear_pack(const T* w, int K, int N, T* packed) const {
  const int panels = (N + kPanel<T> - 1) / kPanel<T>;
  chunked(size_t(panels), 1, [&](size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; ++p) {
      const int c = int(p) * kPanel<T>, cols = std::min(kPanel<T>, N - c);
      T* dst = packed + size_t(c) * K;
      for (int k = 0; k < K; ++k, dst += kPanel<T>) {
        std::copy(w + size_t(k) * N + c, w + size_t(k) * N + c + cols, dst);
        std::fill(dst + cols, dst + kPanel<T>, T(0));
      }
    }
  });
}

template <typename T>
void Ops<T>::linear_packed(const T* x, const T* packed, const T* b, T* y, int M, int K, int N) const {
  const size_t panels = size_t((N + kPanel<T> - 1) / kPanel<T>), row_blocks = size_t((M + kPackRowBlock - 1) / kPackRowBlock);
  // Work items: (row block, run of panels) of about 2^20 multiply-adds each, fixed by the shapes.
  const size_t per_item = std::max<size_t>(1, (size_t(1) << 20) / (size_t(std::min(M, kPackRowBlock)) * K * kPanel<T> + 1));
  const size_t runs = (panels + per_item - 1) / per_item;
  chunked(row_blocks * runs, 1, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) {
      const int r0 = int(i / runs) * kPackRowBlock, r1 = std::min(M, r0 + kPackRowBlock);
      const size_t p0 = (i % runs) * per_item, p1 = std::min(panels, p0 + per_item);
      for (size_t p = p0; p < p1; ++p) packed_block(x, packed, y, K, N, r0, r1, int(p));
      if (b) {
        const int c0 = int(p0) * kPanel<T>, c1 = std::min(N, int(p1) * kPanel<T>);
        for (int r = r0; r < r1; ++r) mat(y + size_t(r) * N + c0, 1, c1 - c0, N) += mat(b + c0, 1, c1 - c0, N);
      }
    }
  });
}

template <typename T>
void Ops<T>::linear_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, T* db, int M, int K, int N) const {
  if (dx)
    tiled(M, K, [&](int r0, int r1, int c0, int c1) {
      mat(dx + size_t(r0) * K + c0, r1 - r0, c1 - c0, K).noalias() +=
          mat(dy + size_t(r0) * N, r1 - r0, N, N) * mat(w + size_t(c0) * N, c1 - c0, N, N).transpose();
    });
  // Weight and bias gradients reduce over M: split over output columns instead, so each chunk
  // owns its columns and sums over all rows in one fixed order.
  chunked(size_t(N), 64, [&](size_t c0, size_t c1) {
    const int cols = int(c1 - c0);
    const auto DY = mat(dy + c0, M, cols, N);
    mat(dw + c0, K, cols, N).noalias() += mat(x, M, K, K).transpose() * DY;
    if (db) Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>(db + c0, cols) += DY.colwise().sum();
  });
}

template <typename T>
void Ops<T>::copy2d(const T* src, int src_ld, T* dst, int dst_ld, int rows, int cols, bool accumulate) const {
  chunked(size_t(rows), row_chunk(cols), [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const T* s = src + r * size_t(src_ld);
      T* d = dst + r * size_t(dst_ld);
      if (accumulate)
        for (int c = 0; c < cols; ++c) d[c] += s[c];
      else
        std::copy(s, s + cols, d);
    }
  });
}

template <typename T>
void Ops<T>::add(T* y, const T* x, size_t n) const {
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i) y[i] += x[i];
  });
}

// ---- normalisation and activations ----------------------------------------------------------------

// Rows as Eigen arrays: SIMD sums (a scalar loop's sum is one serial chain of adds).
template <typename T>
void Ops<T>::layernorm_forward(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd, int rows,
                                      int cols) const {
  const ConstArrayMap<T> G(gamma, cols), B(beta, cols);
  chunked(size_t(rows), row_chunk(cols), [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const ConstArrayMap<T> xr(x + r * cols, cols);
      const T mu = xr.sum() / T(cols);
      const T rs = T(1) / std::sqrt((xr - mu).square().sum() / T(cols) + T(1e-5));
      mean[r] = mu;
      rstd[r] = rs;
      ArrayMap<T>(y + r * cols, cols) = (xr - mu) * rs * G + B;
    }
  });
}

template <typename T>
void Ops<T>::layernorm_backward(const T* x, const T* gamma, const T* mean, const T* rstd, const T* dy, T* dx,
                                       T* dgamma, T* dbeta, int rows, int cols) const {
  const size_t chunk = row_chunk(cols);
  const size_t chunks = (size_t(rows) + chunk - 1) / chunk;
  std::vector<T> partial(chunks * 2 * cols, T(0));  // [chunks, 2, cols]: dgamma, dbeta partial sums
  const ConstArrayMap<T> G(gamma, cols);
  chunked(size_t(rows), chunk, [&](size_t r0, size_t r1) {
    ArrayMap<T> pg(partial.data() + (r0 / chunk) * 2 * cols, cols), pb(pg.data() + cols, cols);
    for (size_t r = r0; r < r1; ++r) {
      const ConstArrayMap<T> xr(x + r * cols, cols), dyr(dy + r * cols, cols);
      const T rs = rstd[r];
      const auto xh = (xr - mean[r]) * rs;
      const auto g = dyr * G;
      const T sum_g = g.sum(), sum_gx = (g * xh).sum();  // Σ dy·γ and Σ dy·γ·x̂
      pg += dyr * xh;
      pb += dyr;
      ArrayMap<T>(dx + r * cols, cols) += rs * (g - (sum_g + xh * sum_gx) / T(cols));
    }
  });
  for (size_t k = 0; k < chunks; ++k)
    for (int c = 0; c < cols; ++c) {
      dgamma[c] += partial[k * 2 * cols + c];
      dbeta[c] += partial[k * 2 * cols + cols + c];
    }
}

template <typename T>
void Ops<T>::gelu_forward(const T* x, T* y, size_t n) const {
  // Eigen's array erf and exp: SIMD where Eigen has them (std::erf was a fifth of a learner step).
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    const ConstArrayMap<T> xa(x + a, Eigen::Index(b - a));
    ArrayMap<T>(y + a, Eigen::Index(b - a)) = T(0.5) * xa * (T(1) + (xa * T(M_SQRT1_2)).erf());
  });
}

template <typename T>
void Ops<T>::gelu_backward(const T* x, const T* dy, T* dx, size_t n) const {
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    const ConstArrayMap<T> xa(x + a, Eigen::Index(b - a));
    const auto cdf = T(0.5) * (T(1) + (xa * T(M_SQRT1_2)).erf());
    const auto pdf = (T(-0.5) * xa.square()).exp() * T(0.3989422804014327);
    ArrayMap<T>(dx + a, Eigen::Index(b - a)) += ConstArrayMap<T>(dy + a, Eigen::Index(b - a)) * (cdf + xa * pdf);
  });
}

template <typename T>
void Ops<T>::relu_forward(const T* x, T* y, size_t n) const {
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
  });
}

template <typename T>
void Ops<T>::relu_backward(const T* x, const T* dy, T* dx, size_t n) const {
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i)
      if (x[i] > T(0)) dx[i] += dy[i];
  });
}

template <typename T>
void Ops<T>::dropout_forward(const T* x, T* y, T* mask, size_t n, double p, uint64_t seed) const {
  const T keep = T(1.0 / (1.0 - p));
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i) {
      mask[i] = dropout_uniform(seed, i) < p ? T(0) : keep;
      y[i] = x[i] * mask[i];
    }
  });
}

template <typename T>
void Ops<T>::dropout_backward(const T* mask, const T* dy, T* dx, size_t n) const {
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i) dx[i] += dy[i] * mask[i];
  });
}

// ---- attention ----------------------------------------------------------------------------------------

namespace {
inline size_t kv_stride(const AttentionShape& s) { return s.kv_stride ? size_t(s.kv_stride) : size_t(s.lk) * s.kv_ld; }

// The queries of one (key/value sequence, head) task as blocks of rows sharing one product: with
// one query per sequence (incremental decoding) the kv_group sequences that read the same memory
// are one block (G rows against the keys: a GEMM instead of G GEMVs); else each sequence is a
// block of lq rows. p keeps the layout of the backend interface, [batch, heads, lq, lk].
struct QueryBlocks {
  int group, count, rows, p_ld;
  explicit QueryBlocks(const AttentionShape& s)
      : group(s.kv_group), count(s.lq == 1 ? 1 : s.kv_group), rows(s.lq == 1 ? s.kv_group : s.lq),
        p_ld(s.lq == 1 ? s.heads * s.lk : s.lk) {}
  int first_seq(int kv, int block) const { return kv * group + block; }
  // Query position of a block's row r (causal masks use it).
  int position(const AttentionShape& s, int r) const { return s.lq == 1 ? 0 : r; }
};

// Keys j < visible(i) are seen by query i of sequence group kv; the mask is a prefix: causal
// (j <= i + lk - lq) and key padding (j < key_len).
inline int visible(const AttentionShape& s, int kv, int i) {
  int n = s.lk;
  if (s.causal) n = std::min(n, i + s.lk - s.lq + 1);
  if (s.key_len) n = std::min(n, s.key_len[kv]);
  return std::max(n, 0);
}

// Row softmax in place over the visible prefix (SIMD exp); the masked rest is 0, a fully masked
// row attends to nothing (output 0).
template <typename T, typename Row>
void softmax_prefix(Row row, int n) {
  const int lk = int(row.size());
  if (n > 0) {
    auto a = row.head(n).array();
    a = (a - a.maxCoeff()).exp();
    a /= a.sum();
  }
  row.tail(lk - n).setZero();
}
}  // namespace

template <typename T>
void Ops<T>::attention_forward(const T* q, const T* k, const T* v, T* o, T* p, const AttentionShape& s) const {
  const T scale = T(1) / std::sqrt(T(s.head_dim));
  const QueryBlocks qb(s);
  const size_t tasks = size_t(s.batch / s.kv_group) * s.heads;
  chunked(tasks, std::max<size_t>(1, 4096 / (size_t(s.kv_group) * s.lq * s.lk + 1)), [&](size_t t0, size_t t1) {
    for (size_t t = t0; t < t1; ++t) {
      const int kv = int(t / s.heads), h = int(t % s.heads);
      const size_t kvo = kv * kv_stride(s) + h * s.head_dim;
      const auto K = mat(k + kvo, s.lk, s.head_dim, s.kv_ld);
      const auto V = mat(v + kvo, s.lk, s.head_dim, s.kv_ld);
      for (int b = 0; b < qb.count; ++b) {
        const size_t n = size_t(qb.first_seq(kv, b));
        const auto Q = mat(q + n * s.lq * s.q_ld + h * s.head_dim, qb.rows, s.head_dim, s.q_ld);
        auto P = mat(p + (n * s.heads + h) * s.lq * s.lk, qb.rows, s.lk, qb.p_ld);
        P.noalias() = (Q * K.transpose()) * scale;
        for (int r = 0; r < qb.rows; ++r) softmax_prefix<T>(P.row(r), visible(s, kv, qb.position(s, r)));
        mat(o + n * s.lq * s.o_ld + h * s.head_dim, qb.rows, s.head_dim, s.o_ld).noalias() = P * V;
      }
    }
  });
}

template <typename T>
void Ops<T>::attention_backward(const T* q, const T* k, const T* v, const T* p, const T* dout, T* dq, T* dk,
                                       T* dv, const AttentionShape& s) const {
  const T scale = T(1) / std::sqrt(T(s.head_dim));
  const QueryBlocks qb(s);
  // One task per (key/value sequence, head): it owns dk/dv of that pair and runs its query blocks
  // in order, so the accumulation order is fixed.
  const size_t tasks = size_t(s.batch / s.kv_group) * s.heads;
  chunked(tasks, 1, [&](size_t t0, size_t t1) {
    MatR<T> dS(qb.rows, s.lk);
    for (size_t t = t0; t < t1; ++t) {
      const int kv = int(t / s.heads), h = int(t % s.heads);
      const size_t kvo = kv * kv_stride(s) + h * s.head_dim;
      const auto K = mat(k + kvo, s.lk, s.head_dim, s.kv_ld);
      const auto V = mat(v + kvo, s.lk, s.head_dim, s.kv_ld);
      auto dK = mat(dk + kvo, s.lk, s.head_dim, s.kv_ld);
      auto dV = mat(dv + kvo, s.lk, s.head_dim, s.kv_ld);
      for (int b = 0; b < qb.count; ++b) {
        const size_t n = size_t(qb.first_seq(kv, b));
        const size_t qo = n * s.lq * s.q_ld + h * s.head_dim;
        const auto Q = mat(q + qo, qb.rows, s.head_dim, s.q_ld);
        auto dQ = mat(dq + qo, qb.rows, s.head_dim, s.q_ld);
        const auto P = mat(p + (n * s.heads + h) * s.lq * s.lk, qb.rows, s.lk, qb.p_ld);
        const auto dO = mat(dout + n * s.lq * s.o_ld + h * s.head_dim, qb.rows, s.head_dim, s.o_ld);
        dV.noalias() += P.transpose() * dO;
        dS.noalias() = dO * V.transpose();  // dP, then dS = P ∘ (dP − rowsum(P ∘ dP)) · scale in place
        for (int r = 0; r < qb.rows; ++r) {
          const T dot = P.row(r).dot(dS.row(r));
          dS.row(r).array() = P.row(r).array() * (dS.row(r).array() - dot) * scale;
        }
        dQ.noalias() += dS * K;
        dK.noalias() += dS.transpose() * Q;
      }
    }
  });
}

// ---- embeddings and grids ------------------------------------------------------------------------------

template <typename T>
void Ops<T>::embedding_forward(const T* table, const int* ids, T* out, int n, int dim) const {
  for (int i = 0; i < n; ++i) std::copy(table + size_t(ids[i]) * dim, table + size_t(ids[i] + 1) * dim, out + size_t(i) * dim);
}

template <typename T>
void Ops<T>::embedding_backward(const int* ids, const T* dout, T* dtable, int n, int vocab, int dim) const {
  for (int i = 0; i < n; ++i) {
    T* d = dtable + size_t(ids[i]) * dim;
    const T* g = dout + size_t(i) * dim;
    for (int c = 0; c < dim; ++c) d[c] += g[c];
  }
}

namespace {
// Visits every (grid element, concatenated element) pair of the attentive-modes concat.
template <typename F>
void modes_pairs(int batch, int S, int c, F&& f) {
  chunked(size_t(batch) * S, std::max<size_t>(1, 4096 / size_t(2 * S * c)), [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const size_t b = r / S, i = r % S;
      for (int j = 0; j < S; ++j) {
        const size_t xg1 = ((b * S + i) * 2 * S + j) * c, g1 = ((b * S + i) * S + j) * c;
        const size_t xg2 = ((b * S + i) * 2 * S + S + j) * c, g2 = ((b * S + j) * S + i) * c;
        f(xg1, g1, 0, c);
        f(xg2, g2, 1, c);
      }
    }
  });
}
}  // namespace

template <typename T>
void Ops<T>::modes_concat(const T* g1, const T* g2, T* x, int batch, int S, int c, bool accumulate) const {
  modes_pairs(batch, S, c, [&](size_t xo, size_t go, int which, int n) {
    const T* g = (which == 0 ? g1 : g2) + go;
    for (int e = 0; e < n; ++e) x[xo + e] = accumulate ? x[xo + e] + g[e] : g[e];
  });
}

template <typename T>
void Ops<T>::modes_split(const T* x, T* g1, T* g2, int batch, int S, int c, bool accumulate) const {
  modes_pairs(batch, S, c, [&](size_t xo, size_t go, int which, int n) {
    T* g = (which == 0 ? g1 : g2) + go;
    for (int e = 0; e < n; ++e) g[e] = accumulate ? g[e] + x[xo + e] : x[xo + e];
  });
}

// ---- losses ------------------------------------------------------------------------------------------

template <typename T>
void Ops<T>::softmax_xent(const T* logits, const int* targets, const T* weights, T* row_loss, T* dlogits,
                                 int rows, int V) const {
  chunked(size_t(rows), row_chunk(V), [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const ConstArrayMap<T> z(logits + r * V, V);
      const T mx = z.maxCoeff();
      const T lse = mx + std::log((z - mx).exp().sum());
      row_loss[r] = weights[r] * (lse - z[targets[r]]);
      if (!dlogits) continue;
      ArrayMap<T> d(dlogits + r * V, V);
      d += weights[r] * (z - lse).exp();
      d[targets[r]] -= weights[r];
    }
  });
}

template <typename T>
void Ops<T>::quantile_huber(const T* pred, const T* target, const T* weights, T* row_loss, T* dpred, int rows,
                                   int Q, double delta) const {
  const T d = T(delta);
  for (int r = 0; r < rows; ++r) {
    T loss = 0;
    for (int i = 0; i < Q; ++i) {
      const T tau = (T(i) + T(0.5)) / T(Q);
      const T u = target[r] - pred[size_t(r) * Q + i];
      const T w = std::abs(tau - (u < T(0) ? T(1) : T(0)));
      const T au = std::abs(u);
      loss += w * (au <= d ? T(0.5) * u * u : d * (au - T(0.5) * d));
      // d/dpred = -d/du; d huber/du = u (|u| <= δ) or δ·sign(u).
      if (dpred) dpred[size_t(r) * Q + i] -= weights[r] / T(Q) * w * (au <= d ? u : d * (u > 0 ? T(1) : T(-1)));
    }
    row_loss[r] = weights[r] * loss / T(Q);
  }
}

// ---- optimiser -----------------------------------------------------------------------------------------

template <typename T>
void Ops<T>::sum_squares(const T* g, size_t n, T* out) const {
  const size_t chunks = (n + kElementChunk - 1) / kElementChunk;
  std::vector<double> partial(chunks, 0.0);
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    double s = 0;
    for (size_t i = a; i < b; ++i) s += double(g[i]) * double(g[i]);
    partial[a / kElementChunk] = s;
  });
  double total = 0;
  for (double s : partial) total += s;
  out[0] = T(total);
}

template <typename T>
void Ops<T>::adamw_step(T* param, const T* grad, T* m, T* v, size_t n, const T* norm_sq, const AdamWParams& a) const {
  const double norm = std::sqrt(double(norm_sq[0]));
  const T clip = T(a.max_norm > 0 && norm > a.max_norm ? a.max_norm / norm : 1.0);
  const T b1 = T(a.beta1), b2 = T(a.beta2), lr = T(a.lr), eps = T(a.eps), decay = T(1.0 - a.lr * a.weight_decay);
  const T c1 = T(1.0 / (1.0 - std::pow(a.beta1, double(a.step))));
  const T c2 = T(1.0 / (1.0 - std::pow(a.beta2, double(a.step))));
  chunked(n, kElementChunk, [&](size_t s, size_t e) {
    for (size_t i = s; i < e; ++i) {
      const T g = grad[i] * clip;
      m[i] = b1 * m[i] + (T(1) - b1) * g;
      v[i] = b2 * v[i] + (T(1) - b2) * g * g;
      param[i] = param[i] * decay - lr * (m[i] * c1) / (std::sqrt(v[i] * c2) + eps);
    }
  });
}

template <>
const CpuKernels<float>& entry_cpu_kernels<float>() {
  static const Ops<float> ops;
  return ops;
}
template <>
const CpuKernels<double>& entry_cpu_kernels<double>() {
  static const Ops<double> ops;
  return ops;
}

}  // namespace at::nn::ALPHATENSOR_ISA_NS
