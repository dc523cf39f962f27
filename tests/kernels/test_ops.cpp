// Each kernel op against the CPU backend (the source of truth) on fresh random inputs, with
// explicit per-op tolerances: the same elementwise formulas give (nearly) the same bits; ops that
// reduce add in another order and get a relative tolerance.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>

#include "core/rng.hpp"
#include "device_buffer.hpp"
#include "kernels/adamw.cuh"
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
    const kernels::AdamWArgs k{float(a.lr), float(a.beta1), float(a.beta2), float(a.eps), float(1.0 - a.lr * a.weight_decay),
                               float(1.0 / (1.0 - std::pow(a.beta1, double(a.step)))),
                               float(1.0 / (1.0 - std::pow(a.beta2, double(a.step)))), float(a.max_norm)};
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

BOOST_AUTO_TEST_SUITE_END()
