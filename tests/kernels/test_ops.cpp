// Each kernel op against the CPU backend (the source of truth) on fresh random inputs, with
// explicit per-op tolerances: the same elementwise formulas give (nearly) the same bits; ops that
// reduce add in another order and get a relative tolerance.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>

#include "core/rng.hpp"
#include "device_buffer.hpp"
#include "kernels/adamw.cuh"
#include "kernels/attention.cuh"
#include "kernels/copy2d.cuh"
#include "kernels/dropout.cuh"
#include "kernels/embedding.cuh"
#include "kernels/modes.cuh"
#include "kernels/quantile_huber.cuh"
#include "kernels/softmax_xent.cuh"
#include "kernels/gelu.cuh"
#include "kernels/layernorm.cuh"
#include "kernels/relu.cuh"
#include "nn/cpu_backend.hpp"

using namespace at;

namespace {

uint64_t fresh_seed() {
  const uint64_t s = (uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
  BOOST_TEST_MESSAGE("kernel op test seed " << s);
  return s;
}

std::vector<float> randn(size_t n, Rng& rng, double scale = 1.0) {
  std::vector<float> v(n);
  for (float& x : v) x = float(scale * (rng.uniform01() * 2.0 - 1.0) * 3.0);
  return v;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, double tol, const char* what) {
  BOOST_TEST_REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(double(got[i]) - double(want[i])) <= tol * (1.0 + std::fabs(double(want[i]))))) {
      BOOST_ERROR(what << "[" << i << "] = " << got[i] << ", CPU backend " << want[i] << " (tolerance " << tol << ")");
      return;
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ops_vs_cpu_backend)

BOOST_AUTO_TEST_CASE(gelu_and_relu) {
  const uint64_t seed = fresh_seed();
  Rng rng(seed);
  nn::CpuBackend<float> cpu;
  for (size_t n : {size_t(1), size_t(255), size_t(1000), size_t(4097)}) {
    const auto x = randn(n, rng), dy = randn(n, rng), dx0 = randn(n, rng);
    DeviceBuffer<float> dx_d(x), ddy(dy), y_d(n), g_d(dx0), r_d(dx0), ry_d(n);
    kernels::gelu_forward(dx_d.get(), y_d.get(), n, nullptr);
    kernels::gelu_backward(dx_d.get(), ddy.get(), g_d.get(), n, nullptr);
    kernels::relu_forward(dx_d.get(), ry_d.get(), n, nullptr);
    kernels::relu_backward(dx_d.get(), ddy.get(), r_d.get(), n, nullptr);
    std::vector<float> y(n), g = dx0, ry(n), r = dx0;
    cpu.gelu_forward(x.data(), y.data(), n);
    cpu.gelu_backward(x.data(), dy.data(), g.data(), n);
    cpu.relu_forward(x.data(), ry.data(), n);
    cpu.relu_backward(x.data(), dy.data(), r.data(), n);
    expect_close(y_d.download(), y, 1e-5, "gelu_forward");    // erf of another libm: a few ulp
    expect_close(g_d.download(), g, 1e-5, "gelu_backward");
    expect_close(ry_d.download(), ry, 0.0, "relu_forward");   // exact
    expect_close(r_d.download(), r, 0.0, "relu_backward");
  }
}

BOOST_AUTO_TEST_CASE(layernorm_forward_and_backward) {
  const uint64_t seed = fresh_seed();
  Rng rng(seed);
  nn::CpuBackend<float> cpu;
  for (int trial = 0; trial < 6; ++trial) {
    const int rows = int(rng.uniform_int(1, 70)), cols = int(rng.uniform_int(1, 300));
    BOOST_TEST_CONTEXT("seed " << seed << " rows " << rows << " cols " << cols) {
      const size_t n = size_t(rows) * cols;
      const auto x = randn(n, rng), gamma = randn(size_t(cols), rng), beta = randn(size_t(cols), rng);
      const auto dy = randn(n, rng), dx0 = randn(n, rng), dg0 = randn(size_t(cols), rng), db0 = randn(size_t(cols), rng);
      std::vector<float> y(n), mean(static_cast<size_t>(rows)), rstd(static_cast<size_t>(rows)), dx = dx0, dg = dg0, db = db0;
      cpu.layernorm_forward(x.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data(), rows, cols);
      cpu.layernorm_backward(x.data(), gamma.data(), mean.data(), rstd.data(), dy.data(), dx.data(), dg.data(), db.data(),
                             rows, cols);
      DeviceBuffer<float> xd(x), gd(gamma), bd(beta), yd(n), md(static_cast<size_t>(rows)), rd(static_cast<size_t>(rows));
      DeviceBuffer<float> dyd(dy), dxd(dx0), dgd(dg0), dbd(db0);
      kernels::layernorm_forward(xd.get(), gd.get(), bd.get(), yd.get(), md.get(), rd.get(), rows, cols, nullptr);
      kernels::layernorm_backward(xd.get(), gd.get(), md.get(), rd.get(), dyd.get(), dxd.get(), dgd.get(), dbd.get(), rows,
                                  cols, nullptr);
      expect_close(md.download(), mean, 1e-5, "layernorm mean");  // sums in another order
      expect_close(rd.download(), rstd, 1e-4, "layernorm rstd");
      expect_close(yd.download(), y, 1e-4, "layernorm y");
      expect_close(dxd.download(), dx, 1e-3, "layernorm dx");     // differences of near-equal sums
      expect_close(dgd.download(), dg, 1e-4, "layernorm dgamma");
      expect_close(dbd.download(), db, 1e-5, "layernorm dbeta");
    }
  }
}

BOOST_AUTO_TEST_CASE(sum_squares_and_adamw) {
  const uint64_t seed = fresh_seed();
  Rng rng(seed);
  nn::CpuBackend<float> cpu;
  for (size_t n : {size_t(1), size_t(777), size_t(100000)}) {
    const auto p0 = randn(n, rng), grad = randn(n, rng, 3.0), m0 = randn(n, rng, 0.1);
    std::vector<float> v0 = randn(n, rng, 0.1);
    for (float& x : v0) x = std::fabs(x);
    float norm_cpu = 0;
    cpu.sum_squares(grad.data(), n, &norm_cpu);
    DeviceBuffer<float> gd(grad), normd(1), pd(p0), md(m0), vd(v0);
    DeviceBuffer<double> partials(static_cast<size_t>(kernels::sum_squares_partials()));
    kernels::sum_squares(gd.get(), n, normd.get(), partials.get(), nullptr);
    const float norm_gpu = normd.download()[0];
    BOOST_TEST(std::fabs(norm_gpu - norm_cpu) <= 1e-6 * norm_cpu, "sum_squares " << norm_gpu << " vs " << norm_cpu);
    nn::AdamWParams a;
    a.lr = 1e-3;
    a.step = 3;
    a.max_norm = 4.0;  // the gradients here are clipped
    std::vector<float> p = p0, m = m0, v = v0;
    cpu.adamw_step(p.data(), grad.data(), m.data(), v.data(), n, &norm_cpu, a);
    const kernels::AdamWArgs k = kernels::adamw_args(a.lr, a.beta1, a.beta2, a.eps, a.weight_decay, a.max_norm, a.step);
    kernels::adamw_step(pd.get(), gd.get(), md.get(), vd.get(), n, normd.get(), k, nullptr);
    expect_close(pd.download(), p, 1e-5, "adamw param");
    expect_close(md.download(), m, 1e-5, "adamw m");
    expect_close(vd.download(), v, 1e-5, "adamw v");
  }
}

BOOST_AUTO_TEST_CASE(reductions_are_deterministic) {
  Rng rng(5);
  const auto g = randn(50000, rng);
  DeviceBuffer<float> gd(g), out(1);
  DeviceBuffer<double> partials(static_cast<size_t>(kernels::sum_squares_partials()));
  kernels::sum_squares(gd.get(), g.size(), out.get(), partials.get(), nullptr);
  const float first = out.download()[0];
  for (int r = 0; r < 3; ++r) {
    kernels::sum_squares(gd.get(), g.size(), out.get(), partials.get(), nullptr);
    BOOST_TEST(out.download()[0] == first);  // bit-identical
  }
}

BOOST_AUTO_TEST_CASE(losses) {
  const uint64_t seed = fresh_seed();
  Rng rng(seed);
  nn::CpuBackend<float> cpu;
  for (int trial = 0; trial < 4; ++trial) {
    const int rows = int(rng.uniform_int(1, 50)), V = int(rng.uniform_int(1, 700)), Q = int(rng.uniform_int(1, 9));
    const auto z = randn(size_t(rows) * V, rng, 2.0), w = randn(size_t(rows), rng), d0 = randn(size_t(rows) * V, rng);
    std::vector<int> t(static_cast<size_t>(rows));
    for (int& x : t) x = int(rng.uniform_int(0, V - 1));
    std::vector<float> loss(static_cast<size_t>(rows)), d = d0;
    cpu.softmax_xent(z.data(), t.data(), w.data(), loss.data(), d.data(), rows, V);
    DeviceBuffer<float> zd(z), wd(w), ld(static_cast<size_t>(rows)), dd(d0);
    DeviceBuffer<int> td(t);
    kernels::softmax_xent(zd.get(), td.get(), wd.get(), ld.get(), dd.get(), rows, V, nullptr);
    expect_close(ld.download(), loss, 1e-4, "softmax_xent loss");  // log-sum-exp in another order
    expect_close(dd.download(), d, 1e-5, "softmax_xent dlogits");
    const auto pred = randn(size_t(rows) * Q, rng, 3.0), target = randn(size_t(rows), rng, 3.0), dp0 = randn(size_t(rows) * Q, rng);
    std::vector<float> ql(static_cast<size_t>(rows)), dp = dp0;
    cpu.quantile_huber(pred.data(), target.data(), w.data(), ql.data(), dp.data(), rows, Q, 1.0);
    DeviceBuffer<float> pd(pred), tgd(target), qld(static_cast<size_t>(rows)), dpd(dp0);
    kernels::quantile_huber(pd.get(), tgd.get(), wd.get(), qld.get(), dpd.get(), rows, Q, 1.0f, nullptr);
    expect_close(qld.download(), ql, 1e-6, "quantile_huber loss");  // same order: same bits
    expect_close(dpd.download(), dp, 1e-6, "quantile_huber dpred");
  }
}

BOOST_AUTO_TEST_CASE(embedding_dropout_copies_and_modes) {
  const uint64_t seed = fresh_seed();
  Rng rng(seed);
  nn::CpuBackend<float> cpu;
  const int V = 37, dim = 24, n = 300;
  const auto table = randn(size_t(V) * dim, rng), dout = randn(size_t(n) * dim, rng), dt0 = randn(size_t(V) * dim, rng);
  std::vector<int> ids(static_cast<size_t>(n));
  for (int& x : ids) x = int(rng.uniform_int(0, V - 1));
  std::vector<float> out(size_t(n) * dim), dt = dt0;
  cpu.embedding_forward(table.data(), ids.data(), out.data(), n, dim);
  cpu.embedding_backward(ids.data(), dout.data(), dt.data(), n, V, dim);
  DeviceBuffer<float> tabd(table), outd(size_t(n) * dim), doutd(dout), dtd(dt0);
  DeviceBuffer<int> idsd(ids);
  kernels::embedding_forward(tabd.get(), idsd.get(), outd.get(), n, dim, nullptr);
  kernels::embedding_backward(idsd.get(), doutd.get(), dtd.get(), n, V, dim, nullptr);
  expect_close(outd.download(), out, 0.0, "embedding_forward");
  expect_close(dtd.download(), dt, 0.0, "embedding_backward");  // same order: same bits

  const size_t m = 5000;
  const auto x = randn(m, rng), dy = randn(m, rng), dx0 = randn(m, rng);
  std::vector<float> y(m), mask(m), dx = dx0;
  cpu.dropout_forward(x.data(), y.data(), mask.data(), m, 0.3, seed);
  cpu.dropout_backward(mask.data(), dy.data(), dx.data(), m);
  DeviceBuffer<float> xd(x), yd(m), maskd(m), dyd(dy), dxd(dx0);
  kernels::dropout_forward(xd.get(), yd.get(), maskd.get(), m, 0.3f, seed, nullptr);
  kernels::dropout_backward(maskd.get(), dyd.get(), dxd.get(), m, nullptr);
  expect_close(maskd.download(), mask, 0.0, "dropout mask");  // the same hash: the same mask
  expect_close(yd.download(), y, 0.0, "dropout_forward");
  expect_close(dxd.download(), dx, 0.0, "dropout_backward");

  const int rows = 7, cols = 13, src_ld = 20, dst_ld = 16;
  const auto src = randn(size_t(rows) * src_ld, rng), dst0 = randn(size_t(rows) * dst_ld, rng);
  for (bool acc : {false, true}) {
    std::vector<float> dst = dst0;
    cpu.copy2d(src.data(), src_ld, dst.data(), dst_ld, rows, cols, acc);
    DeviceBuffer<float> sd(src), dd(dst0);
    kernels::copy2d(sd.get(), src_ld, dd.get(), dst_ld, rows, cols, acc, nullptr);
    expect_close(dd.download(), dst, 0.0, "copy2d");
  }

  const int batch = 3, S = 5, c = 6;
  const size_t g = size_t(batch) * S * S * c;
  const auto g1 = randn(g, rng), g2 = randn(g, rng), x0 = randn(2 * g, rng);
  for (bool acc : {false, true}) {
    std::vector<float> xc = x0, s1 = g1, s2 = g2;
    cpu.modes_concat(g1.data(), g2.data(), xc.data(), batch, S, c, acc);
    cpu.modes_split(x0.data(), s1.data(), s2.data(), batch, S, c, acc);
    DeviceBuffer<float> g1d(g1), g2d(g2), xcd(x0), x0d(x0), s1d(g1), s2d(g2);
    kernels::modes_concat(g1d.get(), g2d.get(), xcd.get(), batch, S, c, acc, nullptr);
    kernels::modes_split(x0d.get(), s1d.get(), s2d.get(), batch, S, c, acc, nullptr);
    expect_close(xcd.download(), xc, 0.0, "modes_concat");
    expect_close(s1d.download(), s1, 0.0, "modes_split g1");
    expect_close(s2d.download(), s2, 0.0, "modes_split g2");
  }
}

BOOST_AUTO_TEST_CASE(attention_forward_and_backward) {
  const uint64_t seed = fresh_seed();
  Rng rng(seed);
  nn::CpuBackend<float> cpu;
  struct Case { int batch, lq, lk, heads, head_dim, kv_group; bool causal, padded; int extra_rows; };
  for (const Case& c : {Case{2, 8, 8, 2, 4, 1, false, false, 0}, Case{4, 5, 5, 3, 8, 1, true, false, 0},
                        Case{6, 4, 11, 2, 4, 3, false, true, 2}, Case{3, 7, 7, 1, 16, 1, true, true, 0},
                        Case{4, 1, 6, 2, 4, 2, true, false, 3}}) {  // one query after a cache of 6 keys
    BOOST_TEST_CONTEXT("seed " << seed << " batch " << c.batch << " lq " << c.lq << " lk " << c.lk << " causal " << c.causal
                               << " padded " << c.padded << " group " << c.kv_group) {
      const int width = c.heads * c.head_dim, kvb = c.batch / c.kv_group;
      nn::AttentionShape s;
      s.batch = c.batch; s.lq = c.lq; s.lk = c.lk; s.heads = c.heads; s.head_dim = c.head_dim;
      s.q_ld = width + 3; s.kv_ld = width + 1; s.o_ld = width; s.kv_group = c.kv_group; s.causal = c.causal;
      s.kv_stride = c.extra_rows ? (c.lk + c.extra_rows) * s.kv_ld : 0;
      std::vector<int> key_len(static_cast<size_t>(kvb));
      for (int& l : key_len) l = int(rng.uniform_int(1, c.lk));
      if (c.padded) s.key_len = key_len.data();
      const size_t nq = size_t(c.batch) * c.lq * s.q_ld, nkv = size_t(kvb) * (c.lk + c.extra_rows) * s.kv_ld, no = size_t(c.batch) * c.lq * s.o_ld;
      const size_t np = size_t(c.batch) * c.heads * c.lq * c.lk;
      const auto q = randn(nq, rng), k = randn(nkv, rng), v = randn(nkv, rng), dout = randn(no, rng);
      const auto dq0 = randn(nq, rng), dk0 = randn(nkv, rng), dv0 = randn(nkv, rng);
      std::vector<float> o(no), p(np), dq = dq0, dk = dk0, dv = dv0;
      cpu.attention_forward(q.data(), k.data(), v.data(), o.data(), p.data(), s);
      cpu.attention_backward(q.data(), k.data(), v.data(), p.data(), dout.data(), dq.data(), dk.data(), dv.data(), s);
      DeviceBuffer<float> qd(q), kd(k), vd(v), od(no), pd(np), doutd(dout), dqd(dq0), dkd(dk0), dvd(dv0);
      DeviceBuffer<int> kld(key_len);
      kernels::AttentionDims d;
      d.batch = s.batch; d.lq = s.lq; d.lk = s.lk; d.heads = s.heads; d.head_dim = s.head_dim;
      d.q_ld = s.q_ld; d.kv_ld = s.kv_ld; d.o_ld = s.o_ld; d.kv_group = s.kv_group; d.causal = s.causal;
      d.kv_stride = s.kv_stride;
      d.key_len = c.padded ? kld.get() : nullptr;
      DeviceBuffer<float> ws(kernels::attention_backward_workspace(d));
      kernels::attention_forward(qd.get(), kd.get(), vd.get(), od.get(), pd.get(), d, nullptr);
      kernels::attention_backward(qd.get(), kd.get(), vd.get(), pd.get(), doutd.get(), dqd.get(), dkd.get(), dvd.get(),
                                  ws.get(), d, nullptr);
      expect_close(pd.download(), p, 1e-5, "attention p");  // dot products in another order
      expect_close(od.download(), o, 1e-4, "attention o");
      expect_close(dqd.download(), dq, 1e-4, "attention dq");
      expect_close(dkd.download(), dk, 1e-4, "attention dk");
      expect_close(dvd.download(), dv, 1e-4, "attention dv");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
