// improve::run's hooks for runs spread over processes (cluster/): a scheme handed in restarts the
// pool and is written like a find; a held stop lets the walks go on; metrics lines get extra fields.
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "core/builtin.hpp"
#include "improve/run.hpp"

using namespace at;
using namespace at::improve;

BOOST_AUTO_TEST_SUITE(run_hooks)

BOOST_AUTO_TEST_CASE(a_scheme_handed_in_is_taken_written_and_reaches_the_target) {
  const std::string dir = "/tmp/alphatensor_hooks_" + std::to_string(::getpid());
  RunOptions o;
  o.out_dir = dir;
  o.threads = 1;
  o.search.field = Field::Z2;
  o.search.target_rank = 7;
  o.search.walk_flips = 1;  // walks this short cannot reach 7 from naive 2x2x2 by themselves
  o.search.plus_after = -1;
  o.search.max_generations = 1000;
  std::atomic<int> polls{0};
  RunEvents ev;
  ev.restart_from = [&]() -> std::optional<Scheme> {
    if (++polls != 3) return std::nullopt;  // once, after two generations
    return strassen_scheme();
  };
  const RunResult r = run(naive_scheme(Format{2, 2, 2}), o, ev);
  BOOST_TEST(polls.load() == 3);  // taken at once: the target, no further generation
  BOOST_TEST(r.best.rank() == 7);
  BOOST_TEST(r.stopped_by == "target");
  BOOST_TEST(std::filesystem::exists(dir + "/schemes/2x2x2_r7_Z2.json"));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_held_stop_keeps_walking_and_metrics_get_fields) {
  const std::string metrics = "/tmp/alphatensor_hooks_" + std::to_string(::getpid()) + ".jsonl";
  RunOptions o;
  o.metrics_path = metrics;
  o.threads = 1;
  o.time_limit = 0.2;
  o.search.field = Field::Z2;
  int holds = 0;
  RunEvents ev;
  ev.hold_stop = [&](const std::string& why) {
    BOOST_TEST(why == "limit");
    return ++holds < 5;  // five polls, 100 ms apart: the run ends after about 0.6 s
  };
  ev.on_metrics = [](nlohmann::json& line) { line["extra"] = 1; };
  const RunResult r = run(naive_scheme(Format{3, 3, 3}), o, ev);
  BOOST_TEST(holds == 5);
  BOOST_TEST(r.seconds >= 0.5);
  BOOST_TEST(r.stopped_by == "limit");
  std::ifstream in(metrics);
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j["event"] == "best") continue;
    BOOST_TEST(j.value("extra", 0) == 1);
    ++lines;
  }
  BOOST_TEST(lines == 2);  // start and done
  std::filesystem::remove(metrics);
}

BOOST_AUTO_TEST_SUITE_END()
