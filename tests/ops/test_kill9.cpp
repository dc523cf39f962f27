// kill -9 at any moment loses nothing: `train --polish` and `improve` are killed with SIGKILL at
// random moments and resumed, again and again. After every kill: each line of found.jsonl is whole
// JSON with a verified scheme, and the best file of its rank exists and verifies; every scheme file
// verifies (none half-written); metrics.jsonl is whole JSON lines (a torn last line is tolerated
// right after a kill and must be gone after the next start). Each resume reads the newest valid
// checkpoint and continues at its step; a checkpoint torn on purpose is skipped with a message.
// The delays come from ALPHATENSOR_KILL_SEED (printed; set it to replay a run's kill times).
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/scheme_io.hpp"
#include "tests/ops/process.hpp"
#include "tests/seed.hpp"

namespace {

using namespace at::test;

constexpr int kRounds = 10;

uint64_t kill_seed() {
  static const uint64_t seed = env_seed("ALPHATENSOR_KILL_SEED", "the kill -9 test's kill times");
  return seed;
}

// The invariants of an output folder after a kill. `torn_ok`: an unterminated last line of a log
// is allowed (the kill may have cut an append; the next start drops it).
void check_folder(const std::string& out, const std::string& metrics, bool torn_ok, const std::string& when) {
  for (const std::string& log : {out + "/schemes/found.jsonl", metrics}) {
    const std::string text = slurp(log);
    std::istringstream lines(text);
    size_t at = 0;
    for (std::string line; std::getline(lines, line);) {
      const bool last_unterminated = at + line.size() >= text.size();
      at += line.size() + 1;
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const std::exception& e) {
        BOOST_TEST((torn_ok && last_unterminated), when << ": " << log << ": unreadable line: " << line.substr(0, 80));
        continue;
      }
      if (log != metrics) {  // found.jsonl: its scheme verifies, and so does the file of its rank
        const at::Scheme s = at::parse_scheme_json(j.at("scheme").dump(), log);
        BOOST_TEST(at::verify(s).ok, when << ": " << log << ": a logged scheme does not verify");
        const std::string file = out + "/schemes/" + j.at("format").get<std::string>() + "_r" +
                                 std::to_string(j.at("rank").get<int>()) + "_" + j.at("field").get<std::string>() + ".json";
        BOOST_TEST_REQUIRE(fs::exists(file), when << ": " << file << " is missing for a line of found.jsonl");
      }
    }
    BOOST_TEST((torn_ok || text.find("torn-by-test") == std::string::npos), when << ": " << log << ": torn line not repaired");
  }
  for (const std::string& f : at::scheme_files_in(out + "/schemes", true))
    BOOST_TEST(at::verify(at::read_scheme(f)).ok, when << ": " << f << " does not verify");
}

// The steps of the checkpoint pairs (state .json and network .bin both present), newest first.
std::vector<long> checkpoints(const std::string& dir) {
  std::vector<long> steps;
  if (!fs::exists(dir)) return steps;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.size() != 18 || n.rfind("ckpt_", 0) != 0 || n.compare(13, 5, ".json") != 0) continue;
    if (fs::exists(dir + "/" + n.substr(0, 13) + ".bin")) steps.push_back(std::stol(n.substr(5, 8)));
  }
  std::sort(steps.rbegin(), steps.rend());
  return steps;
}

std::string checkpoint_bin(const std::string& dir, long step) {
  char name[32];
  std::snprintf(name, sizeof name, "/ckpt_%08ld.bin", step);
  return dir + name;
}

int best_rank(const std::string& schemes) {
  int best = -1;
  if (!fs::exists(schemes)) return best;
  for (const std::string& f : at::scheme_files_in(schemes, true)) {
    const int r = at::read_scheme(f).rank();
    if (best < 0 || r < best) best = r;
  }
  return best;
}

bool no_temp_files(const std::string& dir) {
  if (!fs::exists(dir)) return true;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) return false;
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(train_polish_survives_kill_9) {
  std::mt19937_64 rng(kill_seed());
  const TempDir tmp;
  const std::string out = tmp.path + "/train", ckpts = out + "/checkpoints", metrics = out + "/metrics.jsonl";
  const std::vector<std::string> args = {
      "train", "--target", "2,2,2", "--field", "Z2", "--polish", "--polish-seconds", "1", "--set", "c=16",
      "--set", "torso_heads=2", "--set", "torso_head_dim=8", "--set", "dec_heads=2", "--set", "dec_head_dim=8",
      "--simulations", "16", "--samples", "8", "--steps-per-iteration", "5", "--batch-size", "16", "--threads", "1",
      "--checkpoint-every", "5", "--time-limit", "10m", "--out", out, "--resume"};
  int skipped = 0, resumed = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string when = "train round " + std::to_string(round);
    const std::vector<long> steps = checkpoints(ckpts);
    long expect = steps.empty() ? -1 : steps[0];
    // Every third round: a torn newest checkpoint (as a filesystem without atomic renames could
    // leave it) and a torn metrics line; resume must take the next older checkpoint.
    const bool tear = round % 3 == 2 && steps.size() >= 2;
    if (tear) {
      const std::string bin = checkpoint_bin(ckpts, expect);
      fs::resize_file(bin, fs::file_size(bin) / 2);
      append(metrics, "{\"event\":\"torn-by-test");
      expect = steps[1];
    }
    const double delay = std::uniform_real_distribution<double>(1.0, 5.0)(rng);
    const std::string log = tmp.path + "/train.log";
    BOOST_TEST_REQUIRE(run(args, log, delay) == -1, when << ": ended before the kill: " << slurp(log));
    const std::string text = slurp(log);
    BOOST_TEST(text.find("terminate called") == std::string::npos, when << ": " << text);
    if (tear) {
      BOOST_TEST(text.find("warning: skipping checkpoint") != std::string::npos, when << ": " << text);
      ++skipped;
    }
    // Where it resumed: the newest intact checkpoint (when the first line came out before the kill).
    const size_t first = text.rfind('\n', text.find(" target(s), field ")) + 1;  // npos + 1 = 0 when first
    if (text.find(" target(s), field ") != std::string::npos) {
      const std::string head = text.substr(first, text.find('\n', first) - first);
      const size_t at = head.find("resumed from step ");
      if (expect == -1) BOOST_TEST(head.find("starting fresh") != std::string::npos, when << ": " << head);
      else BOOST_TEST((at != std::string::npos && std::stol(head.substr(at + 18)) == expect), when << ": " << head);
      resumed += at != std::string::npos;
      BOOST_TEST(slurp(metrics).find("torn-by-test") == std::string::npos, when << ": torn metrics line not dropped");
    }
    check_folder(out, metrics, true, when);
  }
  // A last run that ends on its own: it continues at the newest checkpoint, everything is whole and
  // no temporary file is left.
  const std::vector<long> steps = checkpoints(ckpts);
  BOOST_TEST_REQUIRE(!steps.empty());
  std::vector<std::string> last = args;
  last.insert(last.end(), {"--max-steps", std::to_string(steps[0] + 10)});
  BOOST_TEST_REQUIRE(run(last, tmp.path + "/last.log", -1) == 0, slurp(tmp.path + "/last.log"));
  BOOST_TEST(slurp(tmp.path + "/last.log").find("resumed from step " + std::to_string(steps[0]) + ";") != std::string::npos,
             slurp(tmp.path + "/last.log"));
  check_folder(out, metrics, false, "train, last run");
  BOOST_TEST(no_temp_files(ckpts));
  BOOST_TEST(no_temp_files(out + "/schemes"));
  std::cout << "kill -9 test: train killed " << kRounds << " times, resumed from a checkpoint " << resumed
            << " times, a torn checkpoint skipped " << skipped << " times; best rank " << best_rank(out + "/schemes")
            << std::endl;
}

BOOST_AUTO_TEST_CASE(improve_survives_kill_9) {
  std::mt19937_64 rng(kill_seed() + 1);
  const TempDir tmp;
  const std::string out = tmp.path + "/improve", metrics = out + "/metrics.jsonl";
  fs::create_directories(out);
  std::vector<std::string> args = {"improve", "--format", "4,4,4", "--field", "Z2", "--threads", "1", "--seed", "3",
                                   "--out", out, "--json-metrics", metrics, "--resume", "--time-limit"};
  std::vector<std::string> last = args;
  args.push_back("60s");
  last.push_back("2s");
  int resumed = 0, first_rank = -1;
  for (int round = 0; round < kRounds; ++round) {
    const std::string when = "improve round " + std::to_string(round);
    const int before = best_rank(out + "/schemes");
    if (round % 3 == 2) {  // torn log lines and a temporary file of a killed writer
      append(metrics, "{\"event\":\"torn-by-test");
      append(out + "/schemes/found.jsonl", "{\"format\":\"torn-by-test");
      std::ofstream(out + "/schemes/4x4x4_r1_Z2.json.tmp.999999999") << "{\"half";
    }
    const double delay = std::uniform_real_distribution<double>(0.3, 3.0)(rng);
    const std::string log = tmp.path + "/improve.log";
    BOOST_TEST_REQUIRE(run(args, log, delay) == -1, when << ": ended before the kill: " << slurp(log));
    const std::string text = slurp(log);
    BOOST_TEST(text.find("terminate called") == std::string::npos, when << ": " << text);
    // It went on from the best scheme found so far (when it got as far as saying so).
    if (before > 0 && before < 64 && text.find("resumed from") != std::string::npos) {
      BOOST_TEST(text.find("(rank " + std::to_string(before) + ")") != std::string::npos, when << ": " << text);
      ++resumed;
    }
    if (first_rank < 0) first_rank = best_rank(out + "/schemes");
    const int after = best_rank(out + "/schemes");
    BOOST_TEST((before < 0 || after <= before), when << ": best rank went from " << before << " to " << after);
    check_folder(out, metrics, true, when);
  }
  const int before = best_rank(out + "/schemes");
  const std::string log = tmp.path + "/last.log";
  BOOST_TEST_REQUIRE(run(last, log, -1) == 0, slurp(log));
  BOOST_TEST(slurp(log).find("resumed from " + out + "/schemes/4x4x4_r" + std::to_string(before) + "_Z2.json") != std::string::npos,
             slurp(log));
  check_folder(out, metrics, false, "improve, last run");
  BOOST_TEST(no_temp_files(out + "/schemes"));
  std::cout << "kill -9 test: improve killed " << kRounds << " times, resumed from its best scheme " << resumed
            << " times; best rank " << first_rank << " after the first round, " << best_rank(out + "/schemes")
            << " at the end" << std::endl;
}
