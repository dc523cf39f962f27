#include "nn/cpu_backend.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <Eigen/Dense>
#include <unsupported/Eigen/SpecialFunctions>  // Array::erf: vectorised for float since Eigen 3.4
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/memory.hpp"

namespace at::nn {
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

// ---- memory ---------------------------------------------------------------------------------------

template <typename T>
T* CpuBackend<T>::alloc(size_t n) {
  persistent_.emplace_back(n, T(0));
  return persistent_.back().data();
}

template <typename T>
void* CpuBackend<T>::scratch_bytes(size_t bytes) {
  bytes = (bytes + 63) & ~size_t(63);
  while (block_ < blocks_.size() && offset_ + bytes > blocks_[block_].size) {
    ++block_;
    offset_ = 0;
  }
  if (block_ == blocks_.size()) {
    Block b;
    b.size = std::max(bytes, blocks_.empty() ? size_t(1) << 24 : blocks_.back().size * 2);
    b.data.reset(new unsigned char[b.size + 64]);
    blocks_.push_back(std::move(b));
    offset_ = 0;
  }
  unsigned char* base = blocks_[block_].data.get();
  base += (64 - reinterpret_cast<uintptr_t>(base) % 64) % 64;
  void* p = base + offset_;
  offset_ += bytes;
  std::memset(p, 0, bytes);
  return p;
}

template <typename T>
T* CpuBackend<T>::scratch(size_t n) { return static_cast<T*>(scratch_bytes(n * sizeof(T))); }
template <typename T>
int* CpuBackend<T>::scratch_int(size_t n) { return static_cast<int*>(scratch_bytes(n * sizeof(int))); }
template <typename T>
void CpuBackend<T>::scratch_reset() { block_ = offset_ = 0; }
template <typename T>
void CpuBackend<T>::scratch_release(ScratchMark m) {
  block_ = m.block;
  offset_ = m.offset;
}
template <typename T>
size_t CpuBackend<T>::memory_available() const { return available_memory_bytes(); }
template <typename T>
void CpuBackend<T>::upload(T* dst, const T* host, size_t n) { std::copy(host, host + n, dst); }
template <typename T>
void CpuBackend<T>::upload_int(int* dst, const int* host, size_t n) { std::copy(host, host + n, dst); }
template <typename T>
void CpuBackend<T>::download(T* host, const T* src, size_t n) { std::copy(src, src + n, host); }
template <typename T>
void CpuBackend<T>::copy(T* dst, const T* src, size_t n) { std::copy(src, src + n, dst); }
template <typename T>
void CpuBackend<T>::zero(T* x, size_t n) { std::fill(x, x + n, T(0)); }

// ---- dense --------------------------------------------------------------------------------------

template <typename T>
void CpuBackend<T>::linear_forward(const T* x, const T* w, const T* b, T* y, int M, int K, int N) {
  const auto W = mat(w, K, N, N);
  chunked(size_t(M), std::max<size_t>(64, row_chunk(K + N)), [&](size_t r0, size_t r1) {
    const int rows = int(r1 - r0);
    auto Y = mat(y + r0 * N, rows, N, N);
    Y.noalias() = mat(x + r0 * K, rows, K, K) * W;
    if (b) Y.rowwise() += Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(b, N);
  });
}

template <typename T>
void CpuBackend<T>::linear_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, T* db, int M, int K, int N) {
  if (dx) {
    const auto W = mat(w, K, N, N);
    chunked(size_t(M), std::max<size_t>(64, row_chunk(K + N)), [&](size_t r0, size_t r1) {
      const int rows = int(r1 - r0);
      mat(dx + r0 * K, rows, K, K).noalias() += mat(dy + r0 * N, rows, N, N) * W.transpose();
    });
  }
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
void CpuBackend<T>::copy2d(const T* src, int src_ld, T* dst, int dst_ld, int rows, int cols, bool accumulate) {
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
void CpuBackend<T>::add(T* y, const T* x, size_t n) {
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i) y[i] += x[i];
  });
}

// ---- normalisation and activations ----------------------------------------------------------------

template <typename T>
void CpuBackend<T>::layernorm_forward(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd, int rows,
                                      int cols) {
  chunked(size_t(rows), row_chunk(cols), [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const T* xr = x + r * cols;
      T mu = 0;
      for (int c = 0; c < cols; ++c) mu += xr[c];
      mu /= T(cols);
      T var = 0;
      for (int c = 0; c < cols; ++c) var += (xr[c] - mu) * (xr[c] - mu);
      var /= T(cols);
      const T rs = T(1) / std::sqrt(var + T(1e-5));
      mean[r] = mu;
      rstd[r] = rs;
      T* yr = y + r * cols;
      for (int c = 0; c < cols; ++c) yr[c] = (xr[c] - mu) * rs * gamma[c] + beta[c];
    }
  });
}

template <typename T>
void CpuBackend<T>::layernorm_backward(const T* x, const T* gamma, const T* mean, const T* rstd, const T* dy, T* dx,
                                       T* dgamma, T* dbeta, int rows, int cols) {
  const size_t chunk = row_chunk(cols);
  const size_t chunks = (size_t(rows) + chunk - 1) / chunk;
  std::vector<T> partial(chunks * 2 * cols, T(0));  // [chunks, 2, cols]: dgamma, dbeta partial sums
  chunked(size_t(rows), chunk, [&](size_t r0, size_t r1) {
    T* pg = partial.data() + (r0 / chunk) * 2 * cols;
    T* pb = pg + cols;
    for (size_t r = r0; r < r1; ++r) {
      const T* xr = x + r * cols;
      const T* dyr = dy + r * cols;
      const T mu = mean[r], rs = rstd[r];
      T sum_g = 0, sum_gx = 0;  // Σ dy·γ and Σ dy·γ·x̂
      for (int c = 0; c < cols; ++c) {
        const T xh = (xr[c] - mu) * rs;
        const T g = dyr[c] * gamma[c];
        sum_g += g;
        sum_gx += g * xh;
        pg[c] += dyr[c] * xh;
        pb[c] += dyr[c];
      }
      T* dxr = dx + r * cols;
      for (int c = 0; c < cols; ++c) {
        const T xh = (xr[c] - mu) * rs;
        dxr[c] += rs * (dyr[c] * gamma[c] - (sum_g + xh * sum_gx) / T(cols));
      }
    }
  });
  for (size_t k = 0; k < chunks; ++k)
    for (int c = 0; c < cols; ++c) {
      dgamma[c] += partial[k * 2 * cols + c];
      dbeta[c] += partial[k * 2 * cols + cols + c];
    }
}

template <typename T>
void CpuBackend<T>::gelu_forward(const T* x, T* y, size_t n) {
  // Eigen's array erf and exp: SIMD where Eigen has them (std::erf was a fifth of a learner step).
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    const ConstArrayMap<T> xa(x + a, Eigen::Index(b - a));
    ArrayMap<T>(y + a, Eigen::Index(b - a)) = T(0.5) * xa * (T(1) + (xa * T(M_SQRT1_2)).erf());
  });
}

template <typename T>
void CpuBackend<T>::gelu_backward(const T* x, const T* dy, T* dx, size_t n) {
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    const ConstArrayMap<T> xa(x + a, Eigen::Index(b - a));
    const auto cdf = T(0.5) * (T(1) + (xa * T(M_SQRT1_2)).erf());
    const auto pdf = (T(-0.5) * xa.square()).exp() * T(0.3989422804014327);
    ArrayMap<T>(dx + a, Eigen::Index(b - a)) += ConstArrayMap<T>(dy + a, Eigen::Index(b - a)) * (cdf + xa * pdf);
  });
}

template <typename T>
void CpuBackend<T>::relu_forward(const T* x, T* y, size_t n) {
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
  });
}

template <typename T>
void CpuBackend<T>::relu_backward(const T* x, const T* dy, T* dx, size_t n) {
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i)
      if (x[i] > T(0)) dx[i] += dy[i];
  });
}

template <typename T>
void CpuBackend<T>::dropout_forward(const T* x, T* y, T* mask, size_t n, double p, uint64_t seed) {
  const T keep = T(1.0 / (1.0 - p));
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i) {
      mask[i] = dropout_uniform(seed, i) < p ? T(0) : keep;
      y[i] = x[i] * mask[i];
    }
  });
}

template <typename T>
void CpuBackend<T>::dropout_backward(const T* mask, const T* dy, T* dx, size_t n) {
  chunked(n, kElementChunk, [&](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i) dx[i] += dy[i] * mask[i];
  });
}

// ---- attention ----------------------------------------------------------------------------------------

namespace {
// Additive mask of query i, key j: causal and key padding.
inline bool masked(const AttentionShape& s, int kv, int i, int j) {
  return (s.causal && j > i + s.lk - s.lq) || (s.key_len && j >= s.key_len[kv]);
}
inline size_t kv_stride(const AttentionShape& s) { return s.kv_stride ? size_t(s.kv_stride) : size_t(s.lk) * s.kv_ld; }
}  // namespace

template <typename T>
void CpuBackend<T>::attention_forward(const T* q, const T* k, const T* v, T* o, T* p, const AttentionShape& s) {
  const T scale = T(1) / std::sqrt(T(s.head_dim));
  const size_t tasks = size_t(s.batch) * s.heads;
  chunked(tasks, std::max<size_t>(1, 4096 / size_t(s.lq * s.lk + 1)), [&](size_t t0, size_t t1) {
    MatR<T> scores(s.lq, s.lk);
    for (size_t t = t0; t < t1; ++t) {
      const int n = int(t / s.heads), h = int(t % s.heads), kv = n / s.kv_group;
      const auto Q = mat(q + size_t(n) * s.lq * s.q_ld + h * s.head_dim, s.lq, s.head_dim, s.q_ld);
      const auto K = mat(k + kv * kv_stride(s) + h * s.head_dim, s.lk, s.head_dim, s.kv_ld);
      const auto V = mat(v + kv * kv_stride(s) + h * s.head_dim, s.lk, s.head_dim, s.kv_ld);
      auto P = mat(p + t * s.lq * s.lk, s.lq, s.lk, s.lk);
      scores.noalias() = (Q * K.transpose()) * scale;
      for (int i = 0; i < s.lq; ++i) {
        T mx = -std::numeric_limits<T>::infinity();
        for (int j = 0; j < s.lk; ++j)
          if (!masked(s, kv, i, j)) mx = std::max(mx, scores(i, j));
        T sum = 0;
        for (int j = 0; j < s.lk; ++j) {
          P(i, j) = masked(s, kv, i, j) ? T(0) : std::exp(scores(i, j) - mx);
          sum += P(i, j);
        }
        if (sum > T(0)) P.row(i) /= sum;  // a fully masked row attends to nothing: output 0
      }
      mat(o + size_t(n) * s.lq * s.o_ld + h * s.head_dim, s.lq, s.head_dim, s.o_ld).noalias() = P * V;
    }
  });
}

template <typename T>
void CpuBackend<T>::attention_backward(const T* q, const T* k, const T* v, const T* p, const T* dout, T* dq, T* dk,
                                       T* dv, const AttentionShape& s) {
  const T scale = T(1) / std::sqrt(T(s.head_dim));
  // One task per (key/value sequence, head): it owns dk/dv of that pair and runs its query group in
  // order, so the accumulation order is fixed.
  const size_t kv_batch = size_t(s.batch / s.kv_group);
  const size_t tasks = kv_batch * s.heads;
  chunked(tasks, 1, [&](size_t t0, size_t t1) {
    MatR<T> dP(s.lq, s.lk), dS(s.lq, s.lk);
    for (size_t t = t0; t < t1; ++t) {
      const int kv = int(t / s.heads), h = int(t % s.heads);
      const size_t kvo = kv * kv_stride(s) + h * s.head_dim;
      const auto K = mat(k + kvo, s.lk, s.head_dim, s.kv_ld);
      const auto V = mat(v + kvo, s.lk, s.head_dim, s.kv_ld);
      auto dK = mat(dk + kvo, s.lk, s.head_dim, s.kv_ld);
      auto dV = mat(dv + kvo, s.lk, s.head_dim, s.kv_ld);
      for (int n = kv * s.kv_group; n < (kv + 1) * s.kv_group; ++n) {
        const size_t qo = size_t(n) * s.lq * s.q_ld + h * s.head_dim;
        const auto Q = mat(q + qo, s.lq, s.head_dim, s.q_ld);
        auto dQ = mat(dq + qo, s.lq, s.head_dim, s.q_ld);
        const auto P = mat(p + (size_t(n) * s.heads + h) * s.lq * s.lk, s.lq, s.lk, s.lk);
        const auto dO = mat(dout + size_t(n) * s.lq * s.o_ld + h * s.head_dim, s.lq, s.head_dim, s.o_ld);
        dV.noalias() += P.transpose() * dO;
        dP.noalias() = dO * V.transpose();
        for (int i = 0; i < s.lq; ++i) {
          const T dot = P.row(i).dot(dP.row(i));
          for (int j = 0; j < s.lk; ++j) dS(i, j) = P(i, j) * (dP(i, j) - dot) * scale;
        }
        dQ.noalias() += dS * K;
        dK.noalias() += dS.transpose() * Q;
      }
    }
  });
}

// ---- embeddings and grids ------------------------------------------------------------------------------

template <typename T>
void CpuBackend<T>::embedding_forward(const T* table, const int* ids, T* out, int n, int dim) {
  for (int i = 0; i < n; ++i) std::copy(table + size_t(ids[i]) * dim, table + size_t(ids[i] + 1) * dim, out + size_t(i) * dim);
}

template <typename T>
void CpuBackend<T>::embedding_backward(const int* ids, const T* dout, T* dtable, int n, int vocab, int dim) {
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
void CpuBackend<T>::modes_concat(const T* g1, const T* g2, T* x, int batch, int S, int c, bool accumulate) {
  modes_pairs(batch, S, c, [&](size_t xo, size_t go, int which, int n) {
    const T* g = (which == 0 ? g1 : g2) + go;
    for (int e = 0; e < n; ++e) x[xo + e] = accumulate ? x[xo + e] + g[e] : g[e];
  });
}

template <typename T>
void CpuBackend<T>::modes_split(const T* x, T* g1, T* g2, int batch, int S, int c, bool accumulate) {
  modes_pairs(batch, S, c, [&](size_t xo, size_t go, int which, int n) {
    T* g = (which == 0 ? g1 : g2) + go;
    for (int e = 0; e < n; ++e) g[e] = accumulate ? g[e] + x[xo + e] : x[xo + e];
  });
}

// ---- losses ------------------------------------------------------------------------------------------

template <typename T>
void CpuBackend<T>::softmax_xent(const T* logits, const int* targets, const T* weights, T* row_loss, T* dlogits,
                                 int rows, int V) {
  chunked(size_t(rows), row_chunk(V), [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const T* z = logits + r * V;
      const T mx = *std::max_element(z, z + V);
      T sum = 0;
      for (int j = 0; j < V; ++j) sum += std::exp(z[j] - mx);
      const T lse = mx + std::log(sum);
      row_loss[r] = weights[r] * (lse - z[targets[r]]);
      if (!dlogits) continue;
      T* d = dlogits + r * V;
      for (int j = 0; j < V; ++j) d[j] += weights[r] * std::exp(z[j] - lse);
      d[targets[r]] -= weights[r];
    }
  });
}

template <typename T>
void CpuBackend<T>::quantile_huber(const T* pred, const T* target, const T* weights, T* row_loss, T* dpred, int rows,
                                   int Q, double delta) {
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
void CpuBackend<T>::sum_squares(const T* g, size_t n, T* out) {
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
void CpuBackend<T>::adamw_step(T* param, const T* grad, T* m, T* v, size_t n, const T* norm_sq, const AdamWParams& a) {
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

template class CpuBackend<float>;
template class CpuBackend<double>;

}  // namespace at::nn
