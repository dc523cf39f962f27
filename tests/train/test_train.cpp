// End-to-end training runs of the binary on tiny targets and a tiny network: a verified scheme is
// written; SIGTERM writes a checkpoint and exits 4; kill -9 then --resume loses nothing found; a
// damaged checkpoint is skipped.
#define BOOST_TEST_MODULE train
#include <boost/test/unit_test.hpp>
#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

const std::vector<std::string> kTiny = {
    "--set", "c=16", "--set", "torso_layers=1", "--set", "torso_heads=2", "--set", "torso_head_dim=8",
    "--set", "dec_layers=1", "--set", "dec_heads=2", "--set", "dec_head_dim=8", "--set", "value_width=16",
    "--set", "token_d=3", "--simulations", "16", "--samples", "8", "--steps-per-iteration", "5",
    "--batch-size", "16", "--threads", "1"};

std::string temp_dir() {
  char tmpl[] = "/tmp/alphatensor_train_XXXXXX";
  BOOST_TEST_REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Starts `alphatensor train <args>` with output to `log`; returns the pid.
pid_t start(std::vector<std::string> args, const std::string& log) {
  args.insert(args.begin(), {ALPHATENSOR_BINARY, "train"});
  std::fflush(nullptr);  // the child must not repeat buffered output
  const pid_t pid = ::fork();
  BOOST_TEST_REQUIRE(pid >= 0);
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stdout);
    if (f) ::dup2(::fileno(stdout), 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Polls until `path` exists (or the timeout passes).
bool wait_for(const std::string& path, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return exists(path);
}

// (step, .bin path) of every checkpoint in OUT/checkpoints/ with both files, newest first.
std::vector<std::pair<long, std::string>> complete_checkpoints(const std::string& out) {
  std::vector<std::pair<long, std::string>> found;
  DIR* d = ::opendir((out + "/checkpoints").c_str());
  if (!d) return found;
  while (const dirent* e = ::readdir(d)) {
    long step = 0;
    char ext[8] = {0};
    if (std::sscanf(e->d_name, "ckpt_%8ld.%4s", &step, ext) != 2 || std::string(ext) != "json") continue;
    const std::string bin = out + "/checkpoints/" + std::string(e->d_name).substr(0, 13) + ".bin";
    if (exists(bin)) found.emplace_back(step, bin);
  }
  ::closedir(d);
  std::sort(found.rbegin(), found.rend());
  return found;
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

int run_verify(const std::string& file) {
  return WEXITSTATUS(std::system((std::string(ALPHATENSOR_BINARY) + " verify " + file + " > /dev/null").c_str()));
}

}  // namespace

BOOST_AUTO_TEST_CASE(short_run_writes_a_verified_scheme) {
  const std::string out = temp_dir();
  const pid_t pid = start(with(kTiny, {"--target", "1,1,2", "--field", "Z2", "--max-steps", "10", "--out", out}), out + "/log");
  BOOST_TEST(wait_exit(pid) == 0, slurp(out + "/log"));
  BOOST_TEST(exists(out + "/schemes/1x1x2_r2_Z2.json"), slurp(out + "/log"));
  BOOST_TEST(run_verify(out + "/schemes/1x1x2_r2_Z2.json") == 0);
  BOOST_TEST(slurp(out + "/metrics.jsonl").find("\"event\":\"new_best\"") != std::string::npos);
  BOOST_TEST(slurp(out + "/log").find("1x1x2_r2_Z2.json (verified over Z2)") != std::string::npos);
  // The settings in effect open the metrics; demonstrations have ranks up to R_limit (published),
  // here 1.5 × the naive rank 2.
  const std::string metrics = slurp(out + "/metrics.jsonl");
  BOOST_TEST(metrics.find("\"event\":\"start\"") != std::string::npos, metrics.substr(0, 400));
  BOOST_TEST(metrics.find("\"demo_max_rank\":3") != std::string::npos, metrics.substr(0, 400));
  BOOST_TEST(metrics.find("\"r_limit\":3") != std::string::npos, metrics.substr(0, 400));
}

BOOST_AUTO_TEST_CASE(data_mix_and_sampling_options) {
  // They reach the run (its start event says so); malformed ones are usage errors.
  const std::string out = temp_dir();
  const pid_t pid = start(with(kTiny, {"--target", "1,1,2", "--field", "Z2", "--max-steps", "5", "--mix-late", "0.5:0.25:0.25",
                                       "--best-games", "7", "--sample-temperature", "1.5", "--no-order-augment",
                                       "--demo-targets", "remaining", "--out", out}),
                          out + "/log");
  BOOST_TEST(wait_exit(pid) == 0, slurp(out + "/log"));
  const std::string metrics = slurp(out + "/metrics.jsonl");
  for (const char* key : {"\"mix_late\":[0.5,0.25,0.25]", "\"best_games\":7", "\"sample_temperature\":1.5",
                          "\"augment\":true", "\"order_augment\":false", "\"demo_targets\":\"remaining\""})
    BOOST_TEST(metrics.find(key) != std::string::npos, key << " in " << metrics.substr(0, 600));
  for (std::vector<std::string> bad : {std::vector<std::string>{"--mix-early", "0.5:0.5"}, {"--mix-late", "0.5:0.5:0.5"},
                                       {"--best-games", "0"}, {"--sample-temperature", "0"},
                                       {"--demo-targets", "all"}}) {
    const std::string dir = temp_dir();
    bad.insert(bad.end(), {"--out", dir});
    const pid_t p = start(with(kTiny, bad), dir + "/log");
    BOOST_TEST(wait_exit(p) == 2, bad[0] << ": " << slurp(dir + "/log"));
  }
}

BOOST_AUTO_TEST_CASE(demonstrations_stay_in_a_narrow_alphabet) {
  // F = {-1,0,1} over Z: demonstrations with a ±2 entry (p = 0.001 each) would not encode.
  const std::string out = temp_dir();
  const pid_t pid =
      start(with(kTiny, {"--target", "1,2,2", "--set", "coefficient_bound=1", "--max-steps", "60", "--out", out}), out + "/log");
  BOOST_TEST(wait_exit(pid) == 0, slurp(out + "/log"));
}

BOOST_AUTO_TEST_CASE(sigterm_writes_a_checkpoint) {
  const std::string out = temp_dir();
  const pid_t pid = start(with(kTiny, {"--target", "2,2,2", "--time-limit", "120", "--out", out}), out + "/log");
  BOOST_TEST_REQUIRE(wait_for(out + "/metrics.jsonl", 60));
  ::kill(pid, SIGTERM);
  BOOST_TEST(wait_exit(pid) == 4, slurp(out + "/log"));
  BOOST_TEST(slurp(out + "/log").find("checkpoint written") != std::string::npos, slurp(out + "/log"));
  const std::string ckpts = slurp(out + "/metrics.jsonl");
  BOOST_TEST(ckpts.find("\"event\":\"stopped\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(kill_9_then_resume_loses_no_scheme) {
  const std::string out = temp_dir();
  const std::vector<std::string> args =
      with(kTiny, {"--target", "1,1,2", "--field", "Z2", "--time-limit", "120", "--checkpoint-every", "5", "--out", out});
  const pid_t pid = start(args, out + "/log");
  BOOST_TEST_REQUIRE(wait_for(out + "/schemes/1x1x2_r2_Z2.json", 60));
  // A tiny run writes checkpoints fast and keeps the last three: wait for two, whatever their steps.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (complete_checkpoints(out).size() < 2 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(pid, SIGKILL);
  wait_exit(pid);
  BOOST_TEST(run_verify(out + "/schemes/1x1x2_r2_Z2.json") == 0);
  // Damage the newest complete checkpoint: resume must skip it with a warning.
  const std::vector<std::pair<long, std::string>> bins = complete_checkpoints(out);
  BOOST_TEST_REQUIRE(bins.size() >= 2u);
  {
    std::fstream f(bins[0].second, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x55');
  }
  const std::string steps = std::to_string(bins[0].first + 30);
  const pid_t again = start(with(args, {"--resume", "--max-steps", steps}), out + "/log2");
  BOOST_TEST(wait_exit(again) == 0, slurp(out + "/log2"));
  const std::string log2 = slurp(out + "/log2");
  BOOST_TEST(log2.find("warning: skipping checkpoint") != std::string::npos, log2);
  BOOST_TEST(log2.find("resumed from step") != std::string::npos, log2);
  BOOST_TEST(run_verify(out + "/schemes/1x1x2_r2_Z2.json") == 0);
  BOOST_TEST(slurp(out + "/schemes/found.jsonl").find("\"rank\":2") != std::string::npos);
}

// train --polish on 2x2x2: the untrained network's games (completed when cut at R_limit) go to the
// flip graph, which reaches rank 7; the scheme is written verified, logged as polish, and the
// metrics carry the polish events.
BOOST_AUTO_TEST_CASE(polish_reaches_rank_7) {
  for (const std::string field : {"Z2", "Z"}) {
    const std::string out = temp_dir();
    const pid_t pid = start(with(kTiny, {"--target", "2,2,2", "--field", field, "--polish", "--polish-seconds", "10",
                                         "--target-rank", "7", "--time-limit", "60", "--out", out}),
                            out + "/log");
    const std::string log_path = out + "/log";
    BOOST_TEST_REQUIRE(wait_exit(pid) == 0, slurp(log_path));
    const std::string file = out + "/schemes/2x2x2_r7_" + field + ".json";
    BOOST_TEST_REQUIRE(exists(file), slurp(log_path));
    BOOST_TEST(run_verify(file) == 0);
    // The rank-7 entries of the log: at least one, the first from polish.
    std::istringstream found(slurp(out + "/schemes/found.jsonl"));
    std::string first7;
    for (std::string line; std::getline(found, line);)
      if (first7.empty() && line.find("\"rank\":7") != std::string::npos) first7 = line;
    BOOST_TEST(first7.find("\"source\":\"polish of ") != std::string::npos, first7);
    const std::string metrics = slurp(out + "/metrics.jsonl");
    BOOST_TEST(metrics.find("\"event\":\"polish\"") != std::string::npos);
    BOOST_TEST(metrics.find("\"rank_out\":7") != std::string::npos);
    BOOST_TEST(metrics.find("\"source\":\"polish\"") != std::string::npos);
    BOOST_TEST(slurp(log_path).find("polished") != std::string::npos, slurp(log_path));
  }
}

// train --reward runtime: solved games' schemes are timed (tiny real timer, n = 16) off the search
// threads and cached in runtime_times.jsonl; the metrics say so; a mod-2 run or a CUDA timer is a
// usage error.
BOOST_AUTO_TEST_CASE(reward_runtime) {
  const std::string out = temp_dir();
  const pid_t pid = start(with(kTiny, {"--target", "1,1,2", "--field", "Z", "--reward", "runtime", "--runtime-n", "16",
                                       "--runtime-weight", "0.5", "--max-steps", "40", "--out", out}),
                          out + "/log");
  BOOST_TEST_REQUIRE(wait_exit(pid) == 0, slurp(out + "/log"));
  BOOST_TEST(run_verify(out + "/schemes/1x1x2_r2_Z.json") == 0, slurp(out + "/log"));
  const std::string metrics = slurp(out + "/metrics.jsonl");
  BOOST_TEST(metrics.find("\"reward\":\"runtime\"") != std::string::npos, metrics.substr(0, 800));
  BOOST_TEST(metrics.find("\"runtime\":{\"dropped\":0") != std::string::npos, metrics.substr(0, 800));
  BOOST_TEST(slurp(out + "/runtime_times.jsonl").find("\"ratio\":") != std::string::npos);
  for (std::vector<std::string> bad : {std::vector<std::string>{"--field", "Z2", "--reward", "runtime"},
                                       {"--field", "Z", "--reward", "runtime", "--runtime-device", "cuda"},
                                       {"--reward", "speed"}}) {
    const std::string dir = temp_dir();
    bad.insert(bad.end(), {"--target", "1,1,2", "--max-steps", "1", "--out", dir});
    const pid_t p = start(with(kTiny, bad), dir + "/log");
    BOOST_TEST(wait_exit(p) == 2, bad[1] << ": " << slurp(dir + "/log"));
  }
}
