// The execution model itself: barriers, warp shuffles and votes, early exit, dynamic shared
// memory, atomics, and (emulator only) deadlock detection.
#include <boost/test/unit_test.hpp>
#include <numeric>

#include "core/rng.hpp"
#include "device_buffer.hpp"
#include "emu_test_kernels.cuh"

using namespace at;

BOOST_AUTO_TEST_SUITE(execution_model)

BOOST_AUTO_TEST_CASE(barrier_orders_shared_memory) {
  for (int n : {1, 31, 32, 100, 1024}) {
    std::vector<int> in(static_cast<size_t>(n));
    std::iota(in.begin(), in.end(), 7);
    DeviceBuffer<int> din(in), dout(static_cast<size_t>(n));
    test_kernels::rotate(din.get(), dout.get(), n, true);
    const auto out = dout.download();
    for (int t = 0; t < n; ++t) BOOST_TEST(out[size_t(t)] == in[size_t((t + 1) % n)]);
  }
}

BOOST_AUTO_TEST_CASE(warp_shuffle_reductions) {
  Rng rng(3);
  const int n = 1000;  // not a multiple of the block
  std::vector<float> in(n);
  for (float& x : in) x = float(rng.uniform_int(-50, 50));
  DeviceBuffer<float> din(in), sums(size_t((n + 127) / 128 * 4)), all(static_cast<size_t>(n));
  test_kernels::warp_sum(din.get(), sums.get(), n);
  test_kernels::warp_allreduce(din.get(), all.get(), n);
  const auto s = sums.download(), a = all.download();
  for (int w = 0; w * 32 < n; ++w) {
    float ref = 0;
    for (int t = w * 32; t < std::min(n, w * 32 + 32); ++t) ref += in[size_t(t)];
    BOOST_TEST(s[size_t(w)] == ref);  // small integers: exact
  }
  // Butterfly over warps of a 96-thread block (3 warps per block).
  for (int t = 0; t < n; ++t) {
    const int w0 = t / 32 * 32;
    float ref = 0;
    for (int u = w0; u < std::min(n, w0 + 32); ++u) ref += in[size_t(u)];
    BOOST_TEST(a[size_t(t)] == ref);
  }
}

BOOST_AUTO_TEST_CASE(warp_votes) {
  const int n = 128;
  std::vector<int> in(n);
  for (int t = 0; t < n; ++t) in[size_t(t)] = (t < 32) ? 1 : (t % 3 == 0 ? 1 : -1);
  DeviceBuffer<int> din(in);
  DeviceBuffer<unsigned> cnt(4), all(4);
  test_kernels::warp_vote(din.get(), cnt.get(), all.get(), n);
  const auto c = cnt.download(), a = all.download();
  for (int w = 0; w < 4; ++w) {
    unsigned ref = 0;
    for (int t = w * 32; t < w * 32 + 32; ++t) ref += in[size_t(t)] > 0;
    BOOST_TEST(c[size_t(w)] == ref);
    BOOST_TEST(a[size_t(w)] == (ref == 32 ? 1u : 0u));
  }
}

BOOST_AUTO_TEST_CASE(exited_threads_count_as_arrived) {
  std::vector<int> in(64);
  std::iota(in.begin(), in.end(), 0);
  DeviceBuffer<int> din(in), dout(40);
  test_kernels::early_exit(din.get(), dout.get(), 40, 64);
  const auto out = dout.download();
  for (int t = 0; t < 40; ++t) BOOST_TEST(out[size_t(t)] == 39 - t);
}

BOOST_AUTO_TEST_CASE(dynamic_shared_memory_and_atomics) {
  const int blocks = 5;
  std::vector<float> in(size_t(blocks) * 256);
  for (size_t i = 0; i < in.size(); ++i) in[i] = float(i % 7);
  DeviceBuffer<float> din(in), dout(static_cast<size_t>(blocks));
  test_kernels::block_sum_dynamic(din.get(), dout.get(), blocks);
  const auto out = dout.download();
  for (int b = 0; b < blocks; ++b) {
    float ref = 0;
    for (int t = 0; t < 256; ++t) ref += in[size_t(b) * 256 + size_t(t)];
    BOOST_TEST(out[size_t(b)] == ref);
  }
  DeviceBuffer<int> counter(std::vector<int>{0});
  test_kernels::atomic_count(counter.get(), 37);
  BOOST_TEST(counter.download()[0] == 37 * 128);
}

#ifndef ALPHATENSOR_TEST_GPU
BOOST_AUTO_TEST_CASE(deadlock_is_reported_with_file_and_line) {
  try {
    test_kernels::deadlock();
    BOOST_ERROR("deadlock not detected");
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find("deadlock in kernel deadlock_kernel") != std::string::npos, msg);
    BOOST_TEST(msg.find("emu_test_kernels.cu:") != std::string::npos, msg);
  }
  // The emulator still works afterwards.
  std::vector<int> in(8, 1);
  DeviceBuffer<int> din(in), dout(8);
  test_kernels::rotate(din.get(), dout.get(), 8, true);
  BOOST_TEST(dout.download()[0] == 1);
}
#endif

BOOST_AUTO_TEST_SUITE_END()
