// train --reward runtime's service (mcts/runtime_reward.hpp) with a fake timer: each distinct
// scheme is timed once, off the caller's thread; held games come back with their reward; a cache
// file makes rewards immediate and identical in a new run, and a cache of another setup is ignored.
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <filesystem>
#include <unistd.h>

#include "core/builtin.hpp"
#include "core/scheme_store.hpp"
#include "mcts/runtime_reward.hpp"

using namespace at;
using namespace at::mcts;

namespace {

// Ratio from the scheme alone: deterministic, and distinct for Strassen and the naive scheme.
double fake_ratio(const Scheme& s) { return 0.5 + double(s.rank()) / 16; }

RuntimeRewardConfig fake_config(std::atomic<int>* calls, const std::string& cache, const std::string& setup) {
  RuntimeRewardConfig c;
  c.weight = 2;
  c.cache_path = cache;
  c.setup = setup;
  c.timer = [calls](const Scheme& s) {
    ++*calls;
    return fake_ratio(s);
  };
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(runtime_rewards_are_cached_and_deterministic_given_a_cache) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("at_runtime_reward_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string cache = (dir / "runtime_times.jsonl").string();
  const Scheme strassen = strassen_scheme(), naive = naive_scheme(Format{2, 2, 2});
  std::atomic<int> calls{0};
  double first_strassen = 0, first_naive = 0;
  {
    RuntimeReward service(fake_config(&calls, cache, "n=64"));
    BOOST_TEST(!service.reward(strassen).has_value());  // queued, not waited for
    BOOST_TEST(!service.reward(strassen).has_value());  // queued once
    HeldGame g;
    g.target = 3;
    service.hold(strassen, g);
    service.wait_idle();
    BOOST_TEST(calls.load() == 1);
    const auto ready = service.take_ready();
    BOOST_TEST_REQUIRE(ready.size() == 1u);
    BOOST_TEST(ready[0].first.target == 3);
    BOOST_TEST(ready[0].second == -2 * fake_ratio(strassen));
    BOOST_TEST(service.take_ready().empty());
    first_strassen = *service.reward(strassen);
    BOOST_TEST(!service.reward(naive).has_value());
    service.wait_idle();
    first_naive = *service.reward(naive);
    BOOST_TEST(calls.load() == 2);
    BOOST_TEST(service.counts().timed == 2);
  }
  // A new service with the same cache: every reward at once, the same values, no timing.
  {
    RuntimeReward service(fake_config(&calls, cache, "n=64"));
    BOOST_TEST_REQUIRE(service.reward(strassen).has_value());
    BOOST_TEST(*service.reward(strassen) == first_strassen);
    BOOST_TEST(*service.reward(naive) == first_naive);
    BOOST_TEST(calls.load() == 2);
    BOOST_TEST(service.counts().cached == 2);
  }
  // Times of another setup do not count.
  {
    RuntimeReward service(fake_config(&calls, cache, "n=128"));
    BOOST_TEST(!service.reward(strassen).has_value());
    service.wait_idle();
    BOOST_TEST(calls.load() == 3);
  }
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(runtime_reward_failed_timing_and_full_hold) {
  RuntimeRewardConfig c;
  c.max_held = 2;
  c.timer = [](const Scheme&) -> double { throw std::runtime_error("fake failure"); };
  RuntimeReward service(c);
  const Scheme s = strassen_scheme();
  BOOST_TEST(!service.reward(s).has_value());
  for (int i = 0; i < 3; ++i) service.hold(s, HeldGame{{}, i});
  BOOST_TEST(service.counts().dropped == 1);
  service.wait_idle();
  BOOST_TEST(*service.reward(s) == 0.0);  // no runtime term for a scheme that could not be timed
  const auto ready = service.take_ready();
  BOOST_TEST_REQUIRE(ready.size() == 2u);
  BOOST_TEST(ready[0].first.target == 1);  // the oldest was dropped
  BOOST_TEST(service.counts().failed == 1);
}
