#pragma once
// What the discovery commands (train, search) share: durations, the field, the search options,
// stop signals, the progress line and the closing summary.
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "core/scheme.hpp"
#include "core/symmetry.hpp"
#include "mcts/search.hpp"
#include "tools/cli.hpp"

namespace at::cli {

// "90", "90s", "10m", "2h" -> seconds (UsageError otherwise).
double parse_duration(const std::string& s);
// Z or Z2 (UsageError otherwise).
Field parse_game_field(const std::string& s);

// The search constants: --simulations --samples --sample-temperature --r-limit --c1 --c2 --visit-threshold --memory-cap,
// and the game: --symmetry.
void add_search_options(po::options_description& opts);
// Overrides the caller's defaults with the options given; UsageError on bad values.
void read_search_options(const po::variables_map& vm, mcts::SearchConfig& search, int& samples, double& sample_temperature,
                         int& r_limit);

// --symmetry none|cyclic for the targets (UsageError, naming the format, when cyclic meets a
// non-square target).
Symmetry read_symmetry(const po::variables_map& vm, const std::vector<Format>& targets);

// --root sampled|gumbel|auto and --gumbel-actions (auto: Gumbel for a cyclic game whose targets'
// every move, entries within the network's coefficient bound, can be a root candidate,
// mcts/gumbel.hpp game_move_set; else the published search).
void read_root_option(const po::variables_map& vm, mcts::SearchConfig& search, const std::vector<Format>& targets, Field field,
                      Symmetry sym, int coefficient_bound);

// The flag SIGTERM, SIGINT and SIGUSR1 set from now on.
const std::atomic<bool>& stop_on_signals();

// Progress: on a terminal one line redrawn in place; otherwise (logs, NO_COLOR) a plain line every
// `every` seconds, and always the final one.
class ProgressLine {
 public:
  explicit ProgressLine(double every = 10);
  void show(const std::string& line, double elapsed, bool final);

 private:
  bool live_;
  double every_;
  double last_ = -1e9;
  std::string printed_;  // the last plain line
};

// The closing summary: target, best known rank, rank found; then each best scheme in OUT/schemes
// with its formulas (as verified when it was written).
void print_summary(const std::vector<std::pair<Format, int>>& found, Field field, const std::string& out_dir);

}  // namespace at::cli
