// train through the C++ facade and the C API on a tiny network (CPU, 2x2x2 over Z2, a few learner
// steps): callbacks fire, a cancel stops the run within a second and leaves a checkpoint, bad
// options give an error status and a message.
#include <alphatensor/alphatensor.h>

#include <alphatensor/alphatensor.hpp>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/shell.hpp"

namespace {

namespace lib = alphatensor;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The sanitizer builds (tools/test.sh) run the same loop several times slower.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr double kStopSeconds = 3.0;
#else
constexpr double kStopSeconds = 1.0;
#endif

const char* const kTinyNetwork = "c=16 torso_layers=1 torso_heads=2 torso_head_dim=8 dec_layers=1 dec_heads=2 "
                                 "dec_head_dim=8 value_width=16 token_d=3";

lib::TrainOptions tiny(const std::string& dir) {
  lib::TrainOptions o;
  o.targets = {{2, 2, 2}};
  o.field = lib::Field::Z2;
  std::istringstream sets(kTinyNetwork);
  for (std::string kv; sets >> kv;) o.network.push_back(kv);
  o.simulations = 16;
  o.samples = 8;
  o.games_per_iteration = 4;
  o.steps_per_iteration = 2;
  o.batch_size = 16;
  o.threads = 1;
  o.seconds = 60;
  o.max_steps = 4;
  o.out_dir = dir;
  return o;
}

// Whether dir holds a checkpoint (ckpt_<step>.json next to its .bin).
bool has_checkpoint(const std::string& dir) { return at::test::shell("ls " + dir + "/ckpt_*.json").code == 0; }

template <class F>
lib::Status status_of(F&& f) {
  try {
    f();
  } catch (const lib::Error& e) {
    BOOST_TEST(std::string(e.what()).size() > 0);
    return e.status();
  }
  return lib::Status::Ok;
}

}  // namespace

BOOST_AUTO_TEST_CASE(cpp_train_runs_the_loop_with_callbacks) {
  const std::string dir = at::test::temp_dir("alphatensor_api_train_");
  lib::TrainOptions o = tiny(dir);
  // Unsolved games cut at R_limit are completed into schemes (polish): new bests come at once.
  o.polish = true;
  o.polish_seconds = 0.2;
  std::vector<lib::TrainProgress> reports;
  std::vector<lib::TrainFound> found;
  lib::TrainCallbacks cb;
  cb.on_progress = [&](const lib::TrainProgress& p) { reports.push_back(p); };
  cb.on_best = [&](const lib::TrainFound& f) { found.push_back(f); };
  const lib::TrainResult r = lib::train(o, cb);
  BOOST_TEST(r.stopped_by == "steps");
  BOOST_TEST(r.last.step == 4);
  BOOST_TEST(r.last.games > 0);
  BOOST_TEST_REQUIRE(!reports.empty());
  BOOST_TEST(reports.back().step == 4);
  BOOST_TEST_REQUIRE(reports.back().best.size() == 1u);
  BOOST_TEST(lib::to_string(reports.back().best[0].target) == "2x2x2");
  BOOST_TEST_REQUIRE(!found.empty());
  for (size_t i = 0; i < found.size(); ++i) {
    BOOST_TEST(found[i].scheme.verify(lib::Field::Z2).valid);
    BOOST_TEST(found[i].rank == found[i].scheme.rank());
    BOOST_TEST(lib::Scheme::read(found[i].path).rank() == found[i].rank);
    if (i > 0) BOOST_TEST(found[i].rank < found[i - 1].rank);
  }
  BOOST_TEST(r.last.best[0].rank == found.back().rank);
  BOOST_TEST(has_checkpoint(r.checkpoint_dir));
  at::test::shell("rm -rf " + dir);
}

BOOST_AUTO_TEST_CASE(cpp_cancel_stops_train_within_a_second_with_a_checkpoint) {
  const std::string dir = at::test::temp_dir("alphatensor_api_train_");
  lib::TrainOptions o = tiny(dir);
  o.seconds = 0;  // only the token stops it
  o.max_steps = -1;
  lib::CancelToken cancel;
  std::atomic<int> reports{0};
  lib::TrainCallbacks cb;
  cb.on_progress = [&](const lib::TrainProgress&) { ++reports; };
  Clock::time_point cancelled_at;
  std::thread stopper([&] {
    while (reports.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // in the middle of a round
    cancelled_at = Clock::now();
    cancel.cancel();
  });
  const lib::TrainResult r = lib::train(o, cb, cancel);
  stopper.join();
  BOOST_TEST(since(cancelled_at) < kStopSeconds);
  BOOST_TEST(r.stopped_by == "cancel");
  BOOST_TEST(has_checkpoint(r.checkpoint_dir));

  // A callback's exception stops the run (checkpoint written) and comes out as it is.
  lib::TrainCallbacks throwing;
  throwing.on_progress = [](const lib::TrainProgress&) { throw std::runtime_error("callback says no"); };
  o.resume = true;
  BOOST_CHECK_EXCEPTION(lib::train(o, throwing), std::runtime_error,
                        [](const std::runtime_error& e) { return std::string(e.what()) == "callback says no"; });
  at::test::shell("rm -rf " + dir);
}

BOOST_AUTO_TEST_CASE(cpp_train_bad_options) {
  const std::string dir = at::test::temp_dir("alphatensor_api_train_");
  auto bad = [&](auto&& change) {
    lib::TrainOptions o = tiny(dir);
    change(o);
    return int(status_of([&] { lib::train(o); }));
  };
  const int invalid = int(lib::Status::InvalidArgument);
  BOOST_TEST(bad([](lib::TrainOptions& o) { o.field = lib::Field::Z3; }) == invalid);
  BOOST_TEST(bad([](lib::TrainOptions& o) { o.preset = "huge"; }) == invalid);
  BOOST_TEST(bad([](lib::TrainOptions& o) { o.network.push_back("no_such_key=1"); }) == invalid);
  BOOST_TEST(bad([](lib::TrainOptions& o) { o.network.push_back("S=2"); }) == invalid);  // smaller than 2x2x2 needs
  BOOST_TEST(bad([](lib::TrainOptions& o) { o.targets.clear(); }) == invalid);
  BOOST_TEST(bad([](lib::TrainOptions& o) { o.targets = {{0, 2, 2}}; }) == invalid);
  BOOST_TEST(bad([](lib::TrainOptions& o) { o.batch_size = -1; }) == invalid);
  BOOST_TEST(bad([](lib::TrainOptions& o) { o.seconds = -1; }) == invalid);
  BOOST_TEST(bad([](lib::TrainOptions& o) { o.polish_threads = 0; }) == invalid);
  BOOST_TEST(bad([](lib::TrainOptions& o) { o.out_dir = ""; }) == invalid);
  BOOST_TEST(int(status_of([] { lib::parse_format("2x2"); })) == invalid);
  BOOST_TEST(lib::to_string(lib::parse_format("2,3,4")) == "2x3x4");
  at::test::shell("rm -rf " + dir);
}

namespace {

struct CTrain {
  int progress_calls = 0, best_calls = 0, stop_after = 0;
  bool foreign = false;
};

int c_progress(const at_train_progress* p, void* user) {
  CTrain& t = *static_cast<CTrain*>(user);
  if (p->num_targets != 1 || p->best_ranks == nullptr) t.foreign = true;
  const int calls = ++t.progress_calls;
  return t.stop_after > 0 && calls >= t.stop_after;
}

int c_best(const at_train_found* f, void* user) {
  int rank = 0, valid = 0;
  if (at_scheme_rank(f->scheme, &rank) != AT_OK || rank != f->rank ||
      at_scheme_verify(f->scheme, "Z2", &valid, nullptr, 0) != AT_OK || !valid)
    static_cast<CTrain*>(user)->foreign = true;
  ++static_cast<CTrain*>(user)->best_calls;
  return 0;
}

void c_tiny(at_train_options* o, const std::string& dir) {
  BOOST_TEST_REQUIRE(at_train_options_init(o) == AT_OK);
  o->targets = "2x2x2";
  o->field = "Z2";
  o->network = kTinyNetwork;
  o->simulations = 16;
  o->samples = 8;
  o->games_per_iteration = 4;
  o->steps_per_iteration = 2;
  o->batch_size = 16;
  o->threads = 1;
  o->seconds = 60;
  o->max_steps = 4;
  o->out_dir = dir.c_str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(c_train_stops_from_its_callback_and_its_cancel_flag) {
  const std::string dir = at::test::temp_dir("alphatensor_api_train_");
  at_train_options o;
  c_tiny(&o, dir);
  o.polish = 1;
  o.polish_seconds = 0.2;
  o.max_steps = -1;
  CTrain t;
  t.stop_after = 1;  // the first report asks to stop: no report follows (not even the final one)
  at_train_result r{};
  BOOST_TEST_REQUIRE(at_train(&o, c_progress, c_best, &t, nullptr, &r) == AT_OK, at_last_error());
  BOOST_TEST(t.progress_calls == 1);
  BOOST_TEST(t.best_calls >= 1);
  BOOST_TEST(!t.foreign);
  BOOST_TEST(std::string(r.stopped_by) == "cancel");
  BOOST_TEST(r.games > 0);
  BOOST_TEST(has_checkpoint(dir + "/checkpoints"));

  // A token set before the run: it stops at once, with a checkpoint of the resumed state.
  at_cancel* c = nullptr;
  BOOST_TEST_REQUIRE(at_cancel_new(&c) == AT_OK);
  BOOST_TEST(at_cancel_set(c) == AT_OK);
  o.resume = 1;
  const Clock::time_point t0 = Clock::now();
  BOOST_TEST(at_train(&o, nullptr, nullptr, nullptr, c, &r) == AT_OK, at_last_error());
  BOOST_TEST(since(t0) < 5.0);
  BOOST_TEST(std::string(r.stopped_by) == "cancel");
  at_cancel_free(c);
  at::test::shell("rm -rf " + dir);
}

BOOST_AUTO_TEST_CASE(c_train_misuse) {
  const std::string dir = at::test::temp_dir("alphatensor_api_train_");
  at_train_options o;
  at_train_result r{};
  auto status = [&](auto&& change) {
    c_tiny(&o, dir);
    change(o);
    const at_status s = at_train(&o, nullptr, nullptr, nullptr, nullptr, &r);
    BOOST_TEST(std::string(at_last_error()).size() > 0);
    return s;
  };
  BOOST_TEST(status([](at_train_options& x) { x.field = "GF7"; }) == AT_INVALID_ARGUMENT);
  BOOST_TEST(std::string(at_last_error()).find("GF7") != std::string::npos, at_last_error());
  BOOST_TEST(status([](at_train_options& x) { x.field = "Z3"; }) == AT_INVALID_ARGUMENT);
  BOOST_TEST(status([](at_train_options& x) { x.preset = "huge"; }) == AT_INVALID_ARGUMENT);
  BOOST_TEST(std::string(at_last_error()).find("huge") != std::string::npos, at_last_error());
  BOOST_TEST(status([](at_train_options& x) { x.targets = "2,2"; }) == AT_INVALID_ARGUMENT);
  BOOST_TEST(status([](at_train_options& x) { x.targets = "2,2,2;17,1,1"; }) == AT_INVALID_ARGUMENT);
  BOOST_TEST(status([](at_train_options& x) { x.targets = " ; "; }) == AT_INVALID_ARGUMENT);
  BOOST_TEST(status([](at_train_options& x) { x.network = "c=abc"; }) == AT_INVALID_ARGUMENT);
  BOOST_TEST(status([](at_train_options& x) { x.games_per_iteration = -3; }) == AT_INVALID_ARGUMENT);
  at_cancel* c = nullptr;
  at_cancel_new(&c);
  at_cancel_free(c);
  c_tiny(&o, dir);
  BOOST_TEST(at_train(&o, nullptr, nullptr, nullptr, c, &r) == AT_INVALID_HANDLE);  // freed token
  BOOST_TEST(at_train_options_init(nullptr) == AT_INVALID_ARGUMENT);
  BOOST_TEST(r.stopped_by == nullptr);  // outputs untouched on errors
  at::test::shell("rm -rf " + dir);
}
