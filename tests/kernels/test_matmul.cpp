// matmul forward/backward against the CPU reference on fresh random shapes (not multiples of the
// tile) and every transpose combination. Small-integer inputs make fp32 results exact.
#include <boost/test/unit_test.hpp>
#include <random>

#include "core/rng.hpp"
#include "device_buffer.hpp"
#include "kernels/matmul.cuh"

using namespace at;

namespace {

// Element (i, j) of op(X) for X stored row-major rows×cols.
float op_at(const std::vector<float>& x, int rows, int cols, bool trans, int i, int j) {
  return trans ? x[size_t(j) * cols + i] : x[size_t(i) * cols + j];
}

std::vector<float> random_ints(size_t n, Rng& rng, int lo = -3, int hi = 3) {
  std::vector<float> v(n);
  for (float& x : v) x = float(rng.uniform_int(lo, hi));
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(matmul)

BOOST_AUTO_TEST_CASE(forward_and_backward_match_the_cpu_reference) {
  Rng rng(uint64_t(std::random_device{}()));  // fresh shapes each run; the seed is printed
  const uint64_t seed = rng.next();
  BOOST_TEST_MESSAGE("matmul test seed " << seed);
  rng.reseed(seed);
  for (int trial = 0; trial < 8; ++trial) {
    const int M = int(rng.uniform_int(1, 90)), N = int(rng.uniform_int(1, 90)), K = int(rng.uniform_int(1, 70));
    const bool ta = trial & 1, tb = trial & 2;
    BOOST_TEST_CONTEXT("seed " << seed << " M=" << M << " N=" << N << " K=" << K << " ta=" << ta << " tb=" << tb) {
      const int ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
      const auto A = random_ints(size_t(M) * K, rng), B = random_ints(size_t(K) * N, rng);
      const auto bias = random_ints(size_t(N), rng), C0 = random_ints(size_t(M) * N, rng);
      const auto dC = random_ints(size_t(M) * N, rng);
      DeviceBuffer<float> dA(A), dB(B), dbias(bias), dCbuf(C0), ddC(dC), gA(A.size()), gB(B.size()), gbias(static_cast<size_t>(N));
      bool ok = true;
      for (const bool tensor_cores : {false, true}) {  // small integers are exact in TF32 too
        dCbuf.upload(C0);
        (tensor_cores ? kernels::matmul_forward_tf32 : kernels::matmul_forward)(dA.get(), dB.get(), dbias.get(),
                                                                              dCbuf.get(), M, N, K, ta, tb, 2.0f, -1.0f,
                                                                              nullptr);
        const auto C = dCbuf.download();
        for (int i = 0; i < M && ok; ++i)
          for (int j = 0; j < N && ok; ++j) {
            float ref = 0;
            for (int k = 0; k < K; ++k) ref += op_at(A, ar, ac, ta, i, k) * op_at(B, br, bc, tb, k, j);
            ref = 2.0f * ref - C0[size_t(i) * N + j] + bias[size_t(j)];
            if (C[size_t(i) * N + j] != ref) {
              ok = false;
              BOOST_ERROR((tensor_cores ? "tf32 " : "") << "forward C[" << i << "][" << j << "] = " << C[size_t(i) * N + j]
                                                        << ", expected " << ref);
            }
          }
      }
      kernels::matmul_backward(dA.get(), dB.get(), ddC.get(), gA.get(), gB.get(), gbias.get(), M, N, K, ta, tb, nullptr);
      const auto GA = gA.download(), GB = gB.download(), GBias = gbias.download();
      for (int r = 0; r < ar && ok; ++r)  // dA in A's own layout
        for (int c = 0; c < ac && ok; ++c) {
          const int i = ta ? c : r, k = ta ? r : c;
          float ref = 0;
          for (int j = 0; j < N; ++j) ref += dC[size_t(i) * N + j] * op_at(B, br, bc, tb, k, j);
          if (GA[size_t(r) * ac + c] != ref) {
            ok = false;
            BOOST_ERROR("dA[" << r << "][" << c << "] = " << GA[size_t(r) * ac + c] << ", expected " << ref);
          }
        }
      for (int r = 0; r < br && ok; ++r)
        for (int c = 0; c < bc && ok; ++c) {
          const int k = tb ? c : r, j = tb ? r : c;
          float ref = 0;
          for (int i = 0; i < M; ++i) ref += op_at(A, ar, ac, ta, i, k) * dC[size_t(i) * N + j];
          if (GB[size_t(r) * bc + c] != ref) {
            ok = false;
            BOOST_ERROR("dB[" << r << "][" << c << "] = " << GB[size_t(r) * bc + c] << ", expected " << ref);
          }
        }
      for (int j = 0; j < N; ++j) {
        float ref = 0;
        for (int i = 0; i < M; ++i) ref += dC[size_t(i) * N + j];
        BOOST_TEST(GBias[size_t(j)] == ref);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(launcher_checks_arguments) {
  BOOST_CHECK_THROW(kernels::matmul_forward(nullptr, nullptr, nullptr, nullptr, 2, 2, 2, false, false, 1, 0, nullptr),
                    std::invalid_argument);
  DeviceBuffer<float> x(4);
  BOOST_CHECK_THROW(kernels::matmul_forward(x.get(), x.get(), nullptr, x.get(), -1, 2, 2, false, false, 1, 0, nullptr),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
