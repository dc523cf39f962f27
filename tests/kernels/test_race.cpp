// The race checker catches a deliberately missing barrier, and the real kernels are race-free.
#include <boost/test/unit_test.hpp>
#include <numeric>

#include "device_buffer.hpp"
#include "emu_test_kernels.cuh"
#include "kernels/emu/race_check.hpp"
#include "kernels/matmul.cuh"

using namespace at;

BOOST_AUTO_TEST_SUITE(race_check)

BOOST_AUTO_TEST_CASE(missing_barrier_is_caught) {
  emu::race_reset();
  std::vector<int> in(64);
  std::iota(in.begin(), in.end(), 0);
  DeviceBuffer<int> din(in), dout(64);
  test_kernels::rotate(din.get(), dout.get(), 64, false);
  BOOST_TEST(emu::race_count() > 0);
  const auto reports = emu::race_reports();
  BOOST_TEST_REQUIRE(!reports.empty());
  BOOST_TEST(reports[0].find("race in kernel rotate_kernel") != std::string::npos, reports[0]);
  emu::race_reset();
  test_kernels::rotate(din.get(), dout.get(), 64, true);
  BOOST_TEST(emu::race_count() == 0);
}

BOOST_AUTO_TEST_CASE(real_kernels_have_no_races) {
  emu::race_reset();
  const int M = 70, N = 65, K = 33;
  DeviceBuffer<float> A(std::vector<float>(size_t(M) * K, 1.0f)), B(std::vector<float>(size_t(K) * N, 1.0f)), C(size_t(M) * N);
  DeviceBuffer<float> dA(size_t(M) * K), dB(size_t(K) * N), db(static_cast<size_t>(N));
  kernels::matmul_forward(A.get(), B.get(), nullptr, C.get(), M, N, K, false, true, 1.0f, 0.0f, nullptr);
  kernels::matmul_backward(A.get(), B.get(), C.get(), dA.get(), dB.get(), db.get(), M, N, K, false, true, nullptr);
  for (const auto& r : emu::race_reports()) BOOST_ERROR(r);
  BOOST_TEST(emu::race_count() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
