// improve through the C++ facade and the C API: callbacks, cancellation within a second, two
// runs at once in one process (this suite also runs under ThreadSanitizer, label api).
#include <alphatensor/alphatensor.h>

#include <alphatensor/alphatensor.hpp>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "tests/shell.hpp"

namespace {

namespace lib = alphatensor;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

lib::ImproveOptions quick(int target) {
  lib::ImproveOptions o;
  o.field = lib::Field::Z2;
  o.target_rank = target;
  o.seconds = 20;
  o.threads = 1;
  o.progress_interval = 0.05;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(cpp_improve_reaches_strassen_rank_with_callbacks) {
  const std::string dir = at::test::temp_dir("alphatensor_api_improve_");
  lib::ImproveOptions o = quick(7);
  o.out_dir = dir;
  std::vector<int> ranks;
  lib::ImproveCallbacks cb;
  cb.on_best = [&](const lib::Scheme& s, double) {
    BOOST_TEST(s.verify(lib::Field::Z2).valid);
    ranks.push_back(s.rank());
  };
  const lib::ImproveResult r = lib::improve(lib::Scheme::naive({2, 2, 2}), o, cb);
  BOOST_TEST(r.best.rank() == 7);
  BOOST_TEST(r.stopped_by == "target");
  BOOST_TEST(r.best.verify().valid);
  BOOST_TEST_REQUIRE(!ranks.empty());
  BOOST_TEST(ranks.back() == 7);
  for (size_t i = 1; i < ranks.size(); ++i) BOOST_TEST(ranks[i] < ranks[i - 1]);
  BOOST_TEST(lib::Scheme::read(dir + "/schemes/2x2x2_r7_Z2.json").rank() == 7);
  at::test::shell("rm -rf " + dir);
}

BOOST_AUTO_TEST_CASE(cpp_cancel_stops_within_a_second) {
  lib::ImproveOptions o = quick(0);
  o.seconds = 0;  // only the token stops it
  lib::CancelToken cancel;
  std::atomic<int> progress_calls{0};
  lib::ImproveCallbacks cb;
  cb.on_progress = [&](const lib::ImproveProgress& p) {
    BOOST_TEST(p.best_rank > 0);
    ++progress_calls;
  };
  Clock::time_point cancelled_at;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancelled_at = Clock::now();
    cancel.cancel();
  });
  const lib::ImproveResult r = lib::improve(lib::Scheme::naive({3, 3, 3}), o, cb, cancel);
  stopper.join();
  BOOST_TEST(since(cancelled_at) < 1.0);
  BOOST_TEST(r.stopped_by == "cancel");
  BOOST_TEST(r.best.verify(lib::Field::Z2).valid);
  BOOST_TEST(progress_calls.load() > 0);
}

BOOST_AUTO_TEST_CASE(cpp_bad_options_and_starts) {
  auto status_of = [](auto&& f) {
    try {
      f();
    } catch (const lib::Error& e) {
      return e.status();
    }
    return lib::Status::Ok;
  };
  lib::ImproveOptions q = quick(7);
  q.field = lib::Field::Q;
  BOOST_TEST(int(status_of([&] { lib::improve(lib::Scheme::naive({2, 2, 2}), q); })) == int(lib::Status::InvalidArgument));
  lib::ImproveOptions z = quick(7);
  z.field = lib::Field::Z;
  const lib::Scheme mod2 = lib::Scheme::read(std::string(ALPHATENSOR_SOURCE_DIR) + "/data/schemes/2x2x2_r7_Z2.json");
  BOOST_TEST(int(status_of([&] { lib::improve(mod2, z); })) == int(lib::Status::InvalidScheme));
  lib::ImproveCallbacks throwing;
  throwing.on_best = [](const lib::Scheme&, double) { throw std::runtime_error("callback says no"); };
  BOOST_CHECK_EXCEPTION(lib::improve(lib::Scheme::naive({2, 2, 2}), quick(7), throwing), std::runtime_error,
                        [](const std::runtime_error& e) { return std::string(e.what()) == "callback says no"; });
}

namespace {

// One C run's own state: its callbacks check they get their own pointer and count their calls.
struct CRun {
  at_cancel* cancel = nullptr;
  std::atomic<int> progress_calls{0}, best_calls{0};
  int stop_after = 0;  // the progress callback asks to stop after this many calls (0: never)
  int threads = 1;
  std::atomic<bool> foreign{false};
  at_scheme* best = nullptr;
  at_status status = AT_RUNTIME_ERROR;
};

int on_progress(const at_progress* p, void* user) {
  CRun& run = *static_cast<CRun*>(user);
  const int calls = ++run.progress_calls;
  if (p->best_rank <= 0) run.foreign = true;
  return run.stop_after > 0 && calls >= run.stop_after;
}

int on_best(const at_scheme* s, double, void* user) {
  int rank = 0;
  if (at_scheme_rank(s, &rank) != AT_OK || rank <= 0) static_cast<CRun*>(user)->foreign = true;
  ++static_cast<CRun*>(user)->best_calls;
  return 0;
}

void run_c(const at_scheme* start, CRun& run) {
  at_improve_options o;
  at_improve_options_init(&o);
  o.seconds = 0;
  o.threads = run.threads;
  o.progress_interval = 0.05;
  run.status = at_improve(start, &o, on_progress, on_best, &run, run.cancel, &run.best);
}

}  // namespace

BOOST_AUTO_TEST_CASE(c_two_runs_at_once_each_with_its_callbacks_and_cancel_flag) {
  at_scheme* start = nullptr;
  BOOST_TEST_REQUIRE(at_scheme_naive(3, 3, 3, &start) == AT_OK);
  CRun a, b;
  BOOST_TEST_REQUIRE(at_cancel_new(&a.cancel) == AT_OK);
  BOOST_TEST_REQUIRE(at_cancel_new(&b.cancel) == AT_OK);
  b.stop_after = 3;  // b stops itself through its callback; a is cancelled from here
  b.threads = 2;     // each run has its own oneTBB arena
  std::thread ta([&] { run_c(start, a); }), tb([&] { run_c(start, b); });
  while (a.progress_calls.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const Clock::time_point t0 = Clock::now();
  BOOST_TEST(at_cancel_set(a.cancel) == AT_OK);
  ta.join();
  BOOST_TEST(since(t0) < 1.0);
  tb.join();
  for (CRun* r : {&a, &b}) {
    BOOST_TEST(r->status == AT_OK, at_last_error());
    BOOST_TEST(!r->foreign.load());
    BOOST_TEST(r->best_calls.load() >= 1);
    int valid = 0;
    BOOST_TEST(at_scheme_verify(r->best, "Z2", &valid, nullptr, 0) == AT_OK);
    BOOST_TEST(valid == 1);
    at_scheme_free(r->best);
    at_cancel_free(r->cancel);
  }
  BOOST_TEST(b.progress_calls.load() == 3);  // no call after the one that asked to stop
  at_scheme_free(start);
}

BOOST_AUTO_TEST_CASE(c_improve_misuse) {
  at_scheme* best = nullptr;
  at_scheme* start = nullptr;
  BOOST_TEST_REQUIRE(at_scheme_naive(2, 2, 2, &start) == AT_OK);
  at_improve_options o;
  at_improve_options_init(&o);
  BOOST_TEST(at_improve(nullptr, &o, nullptr, nullptr, nullptr, nullptr, &best) == AT_INVALID_HANDLE);
  BOOST_TEST(at_improve(start, &o, nullptr, nullptr, nullptr, nullptr, nullptr) == AT_INVALID_ARGUMENT);
  o.field = "GF7";
  BOOST_TEST(at_improve(start, &o, nullptr, nullptr, nullptr, nullptr, &best) == AT_INVALID_ARGUMENT);
  at_cancel* c = nullptr;
  at_cancel_new(&c);
  at_cancel_free(c);
  at_improve_options_init(&o);
  BOOST_TEST(at_improve(start, &o, nullptr, nullptr, nullptr, c, &best) == AT_INVALID_HANDLE);  // freed token
  BOOST_TEST(best == nullptr);
  at_scheme_free(start);
}
