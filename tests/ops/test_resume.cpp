// train --resume with a time limit (total over restarts: the first line says what is used and left;
// nothing left: exits at once), and checkpoints by time (--checkpoint-minutes).
#include <boost/test/unit_test.hpp>
#include <string>

#include "tests/ops/process.hpp"

namespace {

using namespace at::test;

std::string train(const std::string& out, const std::string& more) {
  return std::string(ALPHATENSOR_BINARY) +
         " train --target 1,1,2 --field Z2 --set c=16 --set torso_heads=2 --set torso_head_dim=8 --set dec_heads=2"
         " --set dec_head_dim=8 --simulations 8 --samples 4 --steps-per-iteration 5 --batch-size 8 --threads 1 --out " +
         out + " " + more;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

BOOST_AUTO_TEST_CASE(time_limit_is_total_over_restarts) {
  const TempDir tmp;
  const Run first = shell(train(tmp.path, "--time-limit 3s"));
  BOOST_TEST_REQUIRE(first.code == 0, first.out);
  BOOST_TEST(first_line(first.out).find("time limit 3s in total over restarts: 0.0 s used, 3.0 s left") != std::string::npos,
             first.out);
  // The 3 s are used up: a resumed run with the same limit says so and stops at once, writing nothing.
  const std::string metrics = slurp(tmp.path + "/metrics.jsonl");
  const Run again = shell(train(tmp.path, "--time-limit 3s --resume"));
  BOOST_TEST(again.code == 0, again.out);
  BOOST_TEST(first_line(again.out).find("resumed from step ") != std::string::npos, again.out);
  BOOST_TEST(first_line(again.out).find(", 0.0 s left") != std::string::npos, again.out);
  BOOST_TEST(again.out.find("nothing to do: the time limit is used up") != std::string::npos, again.out);
  BOOST_TEST(slurp(tmp.path + "/metrics.jsonl") == metrics);
  // A larger limit continues with what is left.
  const Run more = shell(train(tmp.path, "--time-limit 5s --resume"));
  BOOST_TEST(more.code == 0, more.out);
  BOOST_TEST(first_line(more.out).find("time limit 5s in total over restarts: ") != std::string::npos, more.out);
  BOOST_TEST(more.out.find("nothing to do") == std::string::npos, more.out);
}

BOOST_AUTO_TEST_CASE(checkpoints_by_time) {
  // Steps alone would give none before the end (every 100000 steps); 0.02 minutes gives several.
  const TempDir tmp;
  const Run r = shell(train(tmp.path, "--time-limit 4s --checkpoint-every 100000 --checkpoint-minutes 0.02"));
  BOOST_TEST_REQUIRE(r.code == 0, r.out);
  int pairs = 0;
  for (const auto& e : fs::directory_iterator(tmp.path + "/checkpoints"))
    pairs += e.path().extension() == ".json";
  BOOST_TEST(pairs >= 2, pairs << " checkpoint(s)");  // by time, plus the one at the end
  BOOST_TEST(shell(train(tmp.path, "--checkpoint-minutes -1")).code == 2);
}
