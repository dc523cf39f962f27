// The CPU paths (core/isa.hpp) against each other: every op of the CPU backend in float, on each
// path this CPU runs, agrees with the baseline path (SSE2) within a tolerance per op (the paths
// differ only in vector width and FMA contraction, so in rounding). The double gradient checks of
// test_ops run on every path too (ctest entries test_nn_ops_<path>).
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <memory>
#include <new>

#include "core/rng.hpp"
#include "nn/cpu_backend.hpp"

using namespace at;
using namespace at::nn;

namespace {

using Vec = std::vector<float>;

Vec random_vec(size_t n, Rng& rng, double scale = 1.0) {
  Vec v(n);
  for (float& x : v) x = float(scale * (2 * rng.uniform01() - 1));
  return v;
}

// Runs op on every path this CPU has; each path's outputs (concatenated) must be within
// tol·max(1, |x|) of the baseline's.
void agree(const char* op, double tol, const std::function<Vec(CpuBackend<float>&)>& run) {
  CpuBackend<float> base(Isa::sse2);
  const Vec want = run(base);
  for (Isa isa : {Isa::avx2, Isa::avx512}) {
    if (!isa_supported(isa)) continue;
    CpuBackend<float> be(isa);
    const Vec got = run(be);
    BOOST_TEST_REQUIRE(got.size() == want.size());
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i)
      worst = std::max(worst, std::abs(double(got[i]) - want[i]) / std::max(1.0, std::abs(double(want[i]))));
    BOOST_TEST_INFO(op << " on " << isa_name(isa) << ": worst relative difference " << worst);
    BOOST_TEST(worst <= tol);
  }
}

Vec cat(std::initializer_list<const Vec*> parts) {
  Vec all;
  for (const Vec* p : parts) all.insert(all.end(), p->begin(), p->end());
  return all;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(isa_paths)

BOOST_AUTO_TEST_CASE(paths_are_chosen_and_forced) {
  BOOST_TEST(isa_supported(Isa::sse2));
  BOOST_TEST(isa_supported(active_isa()));
  BOOST_TEST((CpuBackend<float>(Isa::sse2).isa() == Isa::sse2));
  BOOST_TEST_MESSAGE("CPU path in use: " << isa_name(active_isa()));
}

BOOST_AUTO_TEST_CASE(dense_ops_agree) {
  Rng rng(11);
  const int M = 300, K = 130, N = 70;  // several row chunks, GEMM blocks with remainders
  const Vec x = random_vec(M * K, rng), w = random_vec(K * N, rng, 0.1), b = random_vec(N, rng), dy = random_vec(M * N, rng);
  agree("linear", 1e-5, [&](CpuBackend<float>& be) {
    Vec y(M * N), dx(M * K), dw(K * N), db(N);
    be.linear_forward(x.data(), w.data(), b.data(), y.data(), M, K, N);
    be.linear_backward(x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data(), M, K, N);
    for (float& v : dw) v /= M;  // a sum over M rows: compare at the scale of one row
    for (float& v : db) v /= M;
    return cat({&y, &dx, &dw, &db});
  });
  const size_t n = 70000;  // more than one element chunk
  const Vec e = random_vec(n, rng, 4.0), de = random_vec(n, rng), mask(n, 0.0f);
  agree("add, gelu, relu, dropout, copy2d", 1e-5, [&](CpuBackend<float>& be) {
    Vec y(n), g(n), r(n), rg(n), d(n), dm(n), dd(n), c(n);
    be.gelu_forward(e.data(), y.data(), n);
    be.gelu_backward(e.data(), de.data(), g.data(), n);
    be.relu_forward(e.data(), r.data(), n);
    be.relu_backward(e.data(), de.data(), rg.data(), n);
    be.dropout_forward(e.data(), d.data(), dm.data(), n, 0.1, 3);
    be.dropout_backward(dm.data(), de.data(), dd.data(), n);
    be.add(d.data(), e.data(), n);
    be.copy2d(e.data(), 700, c.data(), 700, 100, 700, true);
    return cat({&y, &g, &r, &rg, &d, &dm, &dd, &c});
  });
}

// Inference against packed weights (CpuKernels::linear_pack/linear_packed, each path its own
// panel width) against a plain double product, on every path, in float and double, at the
// kernel's edges: row groups of 6 and row blocks of 252 with remainders, K blocks of 256 with a
// remainder, a panel narrower than the path's and a last partial panel, with and without bias.
template <typename T>
void check_packed(Isa isa, int M, int K, int N, bool bias, uint64_t seed) {
  Rng rng(seed);
  const Vec xf = random_vec(size_t(M) * K, rng), wf = random_vec(size_t(K) * N, rng, 0.1), bf = random_vec(N, rng);
  const std::vector<T> x(xf.begin(), xf.end()), w(wf.begin(), wf.end()), b(bf.begin(), bf.end());
  const CpuKernels<T>& k = cpu_kernels<T>(isa);
  const size_t n = k.linear_packed_size(K, N);
  std::unique_ptr<T[], void (*)(T*)> packed(static_cast<T*>(::operator new[](n * sizeof(T), std::align_val_t(64))),
                                            [](T* p) { ::operator delete[](p, std::align_val_t(64)); });
  k.linear_pack(w.data(), K, N, packed.get());
  std::vector<T> y(size_t(M) * N);
  k.linear_packed(x.data(), packed.get(), bias ? b.data() : nullptr, y.data(), M, K, N);
  double worst = 0;
  for (int r = 0; r < M; ++r)
    for (int c = 0; c < N; ++c) {
      double want = bias ? b[c] : 0.0;
      for (int i = 0; i < K; ++i) want += double(x[size_t(r) * K + i]) * w[size_t(i) * N + c];
      worst = std::max(worst, std::abs(double(y[size_t(r) * N + c]) - want) / std::max(1.0, std::abs(want)));
    }
  BOOST_TEST_INFO(isa_name(isa) << (sizeof(T) == 4 ? " float" : " double") << " M=" << M << " K=" << K << " N=" << N
                                << " seed " << seed << ": worst relative difference " << worst);
  BOOST_TEST(worst <= (sizeof(T) == 4 ? 2e-5 : 1e-12));
}

BOOST_AUTO_TEST_CASE(packed_linear_matches_reference) {
  uint64_t seed = 20;
  for (Isa isa : {Isa::sse2, Isa::avx2, Isa::avx512}) {
    if (!isa_supported(isa)) continue;
    for (int M : {1, 6, 13, 253})
      for (int N : {3, 64, 213}) {
        check_packed<float>(isa, M, 300, N, M % 2 == 1, ++seed);
        check_packed<double>(isa, M, 37, N, M % 2 == 0, ++seed);
      }
  }
}

BOOST_AUTO_TEST_CASE(layernorm_and_losses_agree) {
  Rng rng(12);
  const int rows = 200, cols = 96;
  const Vec x = random_vec(rows * cols, rng, 3.0), gamma = random_vec(cols, rng), beta = random_vec(cols, rng),
            dy = random_vec(rows * cols, rng);
  agree("layernorm", 1e-5, [&](CpuBackend<float>& be) {
    Vec y(rows * cols), mean(rows), rstd(rows), dx(rows * cols), dg(cols), db(cols);
    be.layernorm_forward(x.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data(), rows, cols);
    be.layernorm_backward(x.data(), gamma.data(), mean.data(), rstd.data(), dy.data(), dx.data(), dg.data(), db.data(),
                          rows, cols);
    for (float& v : dg) v /= rows;
    for (float& v : db) v /= rows;
    return cat({&y, &mean, &rstd, &dx, &dg, &db});
  });
  const int V = 37, Q = 8;
  std::vector<int> targets(rows);
  for (int r = 0; r < rows; ++r) targets[r] = r % V;
  const Vec logits = random_vec(rows * V, rng, 5.0), weights = random_vec(rows, rng), pred = random_vec(rows * Q, rng, 3.0),
            target = random_vec(rows, rng, 3.0);
  agree("softmax_xent, quantile_huber", 1e-5, [&](CpuBackend<float>& be) {
    Vec loss(rows), dl(rows * V), hl(rows), dp(rows * Q), ss(1);
    be.softmax_xent(logits.data(), targets.data(), weights.data(), loss.data(), dl.data(), rows, V);
    be.quantile_huber(pred.data(), target.data(), weights.data(), hl.data(), dp.data(), rows, Q, 1.0);
    be.sum_squares(logits.data(), logits.size(), ss.data());
    ss[0] /= float(logits.size());
    return cat({&loss, &dl, &hl, &dp, &ss});
  });
}

BOOST_AUTO_TEST_CASE(attention_embedding_and_adamw_agree) {
  Rng rng(13);
  AttentionShape s;
  s.batch = 8;
  s.kv_group = 2;
  s.heads = 4;
  s.head_dim = 16;
  s.lq = 9;
  s.lk = 12;
  s.q_ld = s.kv_ld = s.o_ld = 64;
  s.causal = true;
  const int kvb = s.batch / s.kv_group;
  const Vec q = random_vec(s.batch * s.lq * 64, rng), k = random_vec(kvb * s.lk * 64, rng),
            v = random_vec(kvb * s.lk * 64, rng), dout = random_vec(s.batch * s.lq * 64, rng);
  agree("attention", 1e-5, [&](CpuBackend<float>& be) {
    Vec o(q.size()), p(size_t(s.batch) * s.heads * s.lq * s.lk), dq(q.size()), dk(k.size()), dv(v.size());
    be.attention_forward(q.data(), k.data(), v.data(), o.data(), p.data(), s);
    be.attention_backward(q.data(), k.data(), v.data(), p.data(), dout.data(), dq.data(), dk.data(), dv.data(), s);
    return cat({&o, &p, &dq, &dk, &dv});
  });
  const int vocab = 11, dim = 24, n = 50, B = 3, S = 4, c = 5, cells = B * S * S * c;
  std::vector<int> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = (i * 7) % vocab;
  const Vec table = random_vec(vocab * dim, rng), g1 = random_vec(cells, rng), g2 = random_vec(cells, rng),
            grad = random_vec(5000, rng), param0 = random_vec(5000, rng);
  agree("embedding, modes, adamw", 1e-5, [&](CpuBackend<float>& be) {
    Vec out(n * dim), dtable(vocab * dim), x(2 * cells), b1(cells), b2(cells), param = param0, m(5000), var(5000);
    be.embedding_forward(table.data(), ids.data(), out.data(), n, dim);
    be.embedding_backward(ids.data(), out.data(), dtable.data(), n, vocab, dim);
    be.modes_concat(g1.data(), g2.data(), x.data(), B, S, c, false);
    be.modes_split(x.data(), b1.data(), b2.data(), B, S, c, true);
    const float norm_sq = 4.0f;
    AdamWParams a;
    for (a.step = 1; a.step <= 3; ++a.step) be.adamw_step(param.data(), grad.data(), m.data(), var.data(), 5000, &norm_sq, a);
    return cat({&out, &dtable, &x, &b1, &b2, &param, &m, &var});
  });
}

BOOST_AUTO_TEST_SUITE_END()
