// improve --objective runtime in the library, with a fake timer (time = additions after
// elimination): the fastest scheme is written verified with its measured speed, logged in
// found.jsonl and the metrics; the rank never rises; a timer that throws stops the run.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unistd.h>

#include "core/builtin.hpp"
#include "core/cse.hpp"
#include "core/files.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "improve/runtime.hpp"

using namespace at;
using namespace at::improve;

namespace {

RunOptions small_run(const std::string& dir) {
  RunOptions o;
  o.search.field = Field::Z;
  o.search.max_generations = 30;
  o.search.walk_flips = 300;
  o.out_dir = dir;
  o.metrics_path = dir + "/metrics.jsonl";
  o.threads = 1;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(runtime_objective_writes_the_fastest_verified_with_its_speed) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("at_runtime_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  RuntimeOptions rt;
  rt.interval = 0.01;
  rt.top_k = 3;
  rt.setup = {{"n", 64}, {"levels", 1}, {"device", "fake"}};
  long calls = 0;
  rt.timer = [&](const Scheme& s) {
    ++calls;
    return RuntimeTiming{double(additions_after_elimination(s)), 20.0, 0.0};
  };
  long timed = 0;
  const Scheme start = strassen_scheme();
  const RuntimeResult r = run_runtime(start, small_run(dir.string()), rt, {},
                                      [&](const Scheme& s, const RuntimeTiming&, long additions, bool) {
                                        ++timed;
                                        BOOST_TEST(s.rank() <= 7);
                                        BOOST_TEST(additions == additions_after_elimination(s));
                                      });
  BOOST_TEST(timed == r.timed);
  BOOST_TEST(r.timed <= calls);  // a challenger is timed again with the fastest so far
  BOOST_TEST(r.start_timing.seconds == 18.0);  // Strassen is timed first
  BOOST_TEST(r.timing.seconds <= r.start_timing.seconds);
  BOOST_TEST(r.fastest.rank() == 7);
  BOOST_TEST(r.timing.seconds == double(additions_after_elimination(r.fastest)));
  BOOST_TEST_REQUIRE(r.fastest_path == fastest_path_for(dir.string(), Format{2, 2, 2}, 7, Field::Z));
  const Scheme kept = read_scheme(r.fastest_path);
  BOOST_TEST(verify(kept, Field::Z).ok);
  BOOST_TEST(additions_after_elimination(kept) == long(r.timing.seconds));
  const nlohmann::json file = nlohmann::json::parse(read_file(r.fastest_path));
  BOOST_TEST(file.at("runtime").at("seconds").get<double>() == r.timing.seconds);
  BOOST_TEST(file.at("runtime").at("speedup_over_base").get<double>() == 20.0 / r.timing.seconds);
  BOOST_TEST(file.at("runtime").at("device").get<std::string>() == "fake");
  const std::string found = read_file(dir.string() + "/schemes/found.jsonl");
  BOOST_TEST(found.find("\"objective\":\"runtime\"") != std::string::npos);
  BOOST_TEST(found.find("\"speedup_over_base\"") != std::string::npos);
  BOOST_TEST(read_file(dir.string() + "/metrics.jsonl").find("\"event\":\"timed\"") != std::string::npos);
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(runtime_objective_refuses_mod_p_and_stops_on_a_failing_timer) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("at_runtime_bad_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  RuntimeOptions rt;
  rt.timer = [](const Scheme&) -> RuntimeTiming { throw std::runtime_error("no device"); };
  RunOptions o = small_run(dir.string());
  o.search.max_generations = 0;  // only the failing timer stops it
  BOOST_CHECK_THROW(run_runtime(strassen_scheme(), o, rt), std::runtime_error);
  o.search.field = Field::Z2;
  BOOST_CHECK_THROW(run_runtime(strassen_scheme(), o, rt), std::invalid_argument);
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(traffic_objective_never_raises_rank_or_traffic) {
  // From Strassen x Strassen on 2x4x2 (naive 2x2x2 inside: products used once go straight into C):
  // the walks keep the rank and never end above the start's block traffic; the best is written.
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("at_traffic_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const Scheme start = kronecker(strassen_scheme(), naive_scheme(Format{1, 2, 1}));
  RunOptions o = small_run(dir.string());
  o.search.objective = Objective::Traffic;
  o.search.max_generations = 10;
  o.search.sample_every = 4;
  const RunResult r = run(start, o);
  BOOST_TEST(r.best.rank() <= start.rank());
  BOOST_TEST(objective_cost(Objective::Traffic, r.best) <= objective_cost(Objective::Traffic, start));
  BOOST_TEST(objective_cost(Objective::Traffic, r.best) == block_traffic(r.best, 2, CseGoal::traffic));
  BOOST_TEST(r.best_path == traffic_path_for(dir.string(), r.best));
  const Scheme written = read_scheme(r.best_path);
  BOOST_TEST(verify(written).ok);
  BOOST_TEST(objective_cost(Objective::Traffic, written) == objective_cost(Objective::Traffic, r.best));
  fs::remove_all(dir);
}
