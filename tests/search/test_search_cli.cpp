// End to end: alphatensor search (one target, tree-parallel search) on the command line.
#define BOOST_TEST_MODULE search
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include "tests/shell.hpp"

namespace {

using at::test::Run;

Run run(const std::string& args) { return at::test::shell(std::string(ALPHATENSOR_BINARY) + " " + args); }

std::string temp_dir() { return at::test::temp_dir("alphatensor_search_"); }

using at::test::slurp;

int lines(const std::string& s) { return int(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

BOOST_AUTO_TEST_CASE(help_lists_the_search_options) {
  const Run r = run("search --help");
  BOOST_TEST(r.code == 0, r.out);
  for (const char* opt : {"--target", "--network", "--threads", "--virtual-loss", "--simulations", "--c1", "--r-limit",
                          "--time-limit", "--target-rank", "--config"})
    BOOST_TEST(r.out.find(opt) != std::string::npos, opt);
}

BOOST_AUTO_TEST_CASE(bad_input_is_one_line_and_exit_2) {
  for (const char* args : {"--target 2,x,2", "--target 2,2", "", "--target 2,2,2 --field Q", "--target 2,2,2 --threads 2 --virtual-loss -1",
                           "--target 2,2,2 --time-limit 5y", "--target 2,2,2 --network /nonexistent.ckpt"}) {
    const Run r = run(std::string("search ") + args);
    BOOST_TEST(r.code == 2, args << ": " << r.out);
    BOOST_TEST(lines(r.out) == 1, args << ": " << r.out);
  }
}

BOOST_AUTO_TEST_CASE(uniform_network_run_exits_0_with_metrics) {
  const std::string dir = temp_dir();
  const Run r = run("search --target 2,2,2 --network uniform --threads 2 --simulations 32 --samples 16 --time-limit 3 --out " + dir);
  BOOST_TEST(r.code == 0, r.out);
  BOOST_TEST(r.out.find("best known") != std::string::npos, r.out);
  const std::string m = slurp(dir + "/metrics.jsonl");
  BOOST_TEST(m.find("\"event\":\"start\"") != std::string::npos, m);
  BOOST_TEST(m.find("\"event\":\"finished\"") != std::string::npos, m);
  BOOST_TEST(m.find("\"sims_per_s\"") != std::string::npos, m);
}

BOOST_AUTO_TEST_CASE(games_limit_and_checkpoint_network) {
  // A tiny untrained network from `alphatensor model init` drives the search on the CPU backend.
  const std::string dir = temp_dir();
  const Run init = run("model init -o " + dir + "/net.ckpt --set S=4 --set c=16 --set torso_layers=1 --set torso_heads=2 "
                       "--set torso_head_dim=8 --set dec_layers=1 --set dec_heads=2 --set dec_head_dim=8 --set value_width=16 "
                       "--set token_d=3");
  BOOST_TEST_REQUIRE(init.code == 0, init.out);
  const Run r = run("search --target 2,2,2 --network " + dir + "/net.ckpt --threads 2 --simulations 8 --samples 4 --games 1 "
                    "--time-limit 60 --out " + dir);
  BOOST_TEST(r.code == 0, r.out);
  BOOST_TEST(slurp(dir + "/metrics.jsonl").find("\"event\":\"game\"") != std::string::npos);
  // `model probe` shows what that network proposes on the target; a target it cannot hold is refused.
  const Run probe = run("model probe " + dir + "/net.ckpt --target 2,2,2 --samples 8");
  BOOST_TEST(probe.code == 0, probe.out);
  BOOST_TEST(probe.out.find("value ") != std::string::npos, probe.out);
  BOOST_TEST(probe.out.find(" -> ") != std::string::npos, probe.out);
  // --follow: move by move, the scheme's terms among the samples and the value against the truth.
  const Run strassen = run("scheme --builtin strassen -o " + dir + "/strassen.json");
  BOOST_TEST_REQUIRE(strassen.code == 0, strassen.out);
  const Run follow = run("model probe " + dir + "/net.ckpt --follow " + dir + "/strassen.json --samples 8");
  BOOST_TEST(follow.code == 0, follow.out);
  BOOST_TEST(follow.out.find("rank 7") != std::string::npos, follow.out);
  BOOST_TEST(follow.out.find("( -1)  ") != std::string::npos, follow.out);  // the last move
  BOOST_TEST(follow.out.find("mean probability of a scheme term per move") != std::string::npos, follow.out);
  const Run naive3 = run("scheme --builtin naive --format 3,3,3 -o " + dir + "/naive3.json");
  BOOST_TEST_REQUIRE(naive3.code == 0, naive3.out);
  for (const std::string& bad : {dir + "/naive3.json", dir + "/missing.json", dir + "/strassen.json --target 2,2,2"}) {
    const Run r = run("model probe " + dir + "/net.ckpt --follow " + bad);
    BOOST_TEST(r.code == 2, r.out);
    BOOST_TEST(lines(r.out) == 1, r.out);
  }
  const Run too_big = run("model probe " + dir + "/net.ckpt --target 3,3,3");
  BOOST_TEST(too_big.code == 2, too_big.out);
  BOOST_TEST(lines(too_big.out) == 1, too_big.out);
  // The checkpoint's arithmetic is not the run's: refused in one line.
  const Run z2 = run("search --target 2,2,2 --field Z2 --network " + dir + "/net.ckpt --out " + dir);
  BOOST_TEST(z2.code == 2, z2.out);
  BOOST_TEST(lines(z2.out) == 1, z2.out);
}

BOOST_AUTO_TEST_CASE(sigint_stops_cleanly_with_exit_4) {
  const std::string dir = temp_dir();
  const Run r = at::test::shell(std::string(ALPHATENSOR_BINARY) + " search --target 3,3,3 --threads 2 --simulations 64 --samples 16 "
                                "--time-limit 60 --out " + dir + " > " + dir + "/log & pid=$!; until grep -q 'search:' " + dir +
                                "/log; do sleep 0.1; done; sleep 1; kill -INT $pid; wait $pid; echo rc=$?");
  BOOST_TEST(r.out.find("rc=4") != std::string::npos, r.out);
  BOOST_TEST(slurp(dir + "/metrics.jsonl").find("\"event\":\"stopped\"") != std::string::npos);
}
