#include "tools/discovery.hpp"

#include <algorithm>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/build_info.hpp"
#include "core/scheme_io.hpp"
#include "core/scheme_store.hpp"
#include "mcts/gumbel.hpp"

namespace at::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

// Best known rank of a format over the field, from the records compiled into the binary.
std::string best_known(const Format& f, Field field) {
  int d[3] = {f.n, f.m, f.p};
  std::sort(d, d + 3);
  const nlohmann::json records = nlohmann::json::parse(best_known_ranks_json());
  for (const auto& row : records["formats"])
    if (row["format"][0] == d[0] && row["format"][1] == d[1] && row["format"][2] == d[2]) {
      const char* key = field == Field::Z2 ? "best_Z2" : "best_Z";
      return row.contains(key) ? std::to_string(row[key].get<int>()) : "-";
    }
  return "-";
}

}  // namespace

double parse_duration(const std::string& s) {
  if (s.empty()) throw UsageError("empty --time-limit");
  size_t used = 0;
  double v;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    throw UsageError("--time-limit '" + s + "' is not a duration (e.g. 90, 10m, 2h)");
  }
  const std::string unit = s.substr(used);
  const double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : -1;
  if (scale < 0 || v < 0) throw UsageError("--time-limit '" + s + "' is not a duration (e.g. 90, 10m, 2h)");
  return v * scale;
}

Field parse_game_field(const std::string& s) {
  Field f;
  try {
    f = parse_field(s);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (f != Field::Z && f != Field::Z2) throw UsageError("--field must be Z or Z2 (flip-graph walks over Z3: alphatensor improve)");
  return f;
}

void add_search_options(po::options_description& opts) {
  opts.add_options()
      ("simulations", po::value<int>(), "search simulations per move (published: 200, later 800)")
      ("samples", po::value<int>(), "K actions sampled per expansion (published: 32)")
      ("sample-temperature", po::value<double>(), "temperature of the policy those K actions are sampled from (default 1)")
      ("act-temperature", po::value<double>(), "acting: sample the move from the improved policy^(1/T) (published: 1; 0: most visited)")
      ("r-limit", po::value<int>(), "moves per game (default: 1.5 x the largest target's naive rank; published: 125)")
      ("c1", po::value<double>(), "PUCT c1 (published: 1.25)")
      ("c2", po::value<double>(), "PUCT c2 (published: 19652)")
      ("visit-threshold", po::value<double>(), "N of the adaptive temperature of the improved policy (default 100)")
      ("memory-cap", po::value<double>(), "GiB per search tree before old subtrees are freed (default 2)")
      ("symmetry", po::value<std::string>()->default_value("none"),
       "none, or cyclic: the symmetric game of square targets n,n,n (a move is a fixed term x*x*x or an orbit of 3 "
       "terms, reward -1 per term; R_limit counts moves, default a third of the rank budget + 1)")
      ("root", po::value<std::string>()->default_value("auto"),
       "root selection: sampled (published: PUCT over the K samples), gumbel (Gumbel-top-m, sequential halving, "
       "completed-Q policy; full width when the game has at most 65536 moves: 2x2x2 mod 2, and 2x2x2 cyclic over Z with "
       "F = {-1,0,1}), or auto: gumbel for a cyclic game with such a move set, else sampled")
      ("gumbel-actions", po::value<int>()->default_value(16), "m: root actions Gumbel sequential halving starts from");
}

void read_root_option(const po::variables_map& vm, mcts::SearchConfig& search, const std::vector<Format>& targets, Field field,
                      Symmetry sym, int coefficient_bound) {
  const std::string root = vm["root"].as<std::string>();
  search.gumbel_actions = vm["gumbel-actions"].as<int>();
  if (search.gumbel_actions < 1) throw UsageError("--gumbel-actions must be at least 1");
  if (root != "sampled" && root != "gumbel" && root != "auto")
    throw UsageError("--root must be sampled, gumbel or auto, not '" + root + "'");
  // auto: Gumbel where we measured it (the cyclic game of a full-width move set, README), else the
  // published search.
  bool gumbel = root == "gumbel" || (root == "auto" && sym == Symmetry::Cyclic);
  if (root == "auto")
    for (const Format& f : targets)
      gumbel &= mcts::game_move_set(f.a_size(), f.b_size(), f.c_size(), field, sym, coefficient_bound, search.full_width_limit) != nullptr;
  search.root = gumbel ? mcts::RootSelection::Gumbel : mcts::RootSelection::Sampled;
}

Symmetry read_symmetry(const po::variables_map& vm, const std::vector<Format>& targets) {
  try {
    const Symmetry s = parse_symmetry(vm["symmetry"].as<std::string>());
    if (s == Symmetry::Cyclic)
      for (const Format& f : targets) check_cyclic_format(f);
    return s;
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--symmetry: ") + e.what());
  }
}

void read_search_options(const po::variables_map& vm, mcts::SearchConfig& search, int& samples, double& sample_temperature,
                         int& r_limit) {
  if (vm.count("simulations")) search.simulations = vm["simulations"].as<int>();
  if (vm.count("samples")) samples = vm["samples"].as<int>();
  if (vm.count("sample-temperature")) sample_temperature = vm["sample-temperature"].as<double>();
  if (vm.count("act-temperature")) search.act_temperature = vm["act-temperature"].as<double>();
  if (vm.count("r-limit")) r_limit = vm["r-limit"].as<int>();
  if (vm.count("c1")) search.c1 = vm["c1"].as<double>();
  if (vm.count("c2")) search.c2 = vm["c2"].as<double>();
  if (vm.count("visit-threshold")) search.visit_threshold = vm["visit-threshold"].as<double>();
  if (vm.count("memory-cap")) search.memory_cap = size_t(vm["memory-cap"].as<double>() * double(size_t(1) << 30));
  if (search.simulations < 1 || samples < 1) throw UsageError("--simulations and --samples must be positive");
  if (vm.count("r-limit") && r_limit < 1) throw UsageError("--r-limit must be positive");
  if (search.act_temperature < 0) throw UsageError("--act-temperature must not be negative");
  if (!(sample_temperature > 0)) throw UsageError("--sample-temperature must be positive");
  if (!(search.c2 > 0) || !(search.visit_threshold > 1))
    throw UsageError("--c2 must be positive and --visit-threshold above 1");
}

const std::atomic<bool>& stop_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGUSR1}) sigaction(sig, &sa, nullptr);
  return g_stop;
}

ProgressLine::ProgressLine(double every) : live_(interactive_stdout()), every_(every) {}

void ProgressLine::show(const std::string& line, double elapsed, bool final) {
  if (live_ && !final) {
    std::cout << "\r" << line << "\033[K" << std::flush;
  } else if ((final && line != printed_) || elapsed - last_ >= every_) {  // a final line repeats no plain one
    if (live_) std::cout << "\r\033[K";
    std::cout << line << std::endl;
    last_ = elapsed;
    printed_ = line;
  }
}

void print_summary(const std::vector<std::pair<Format, int>>& found, Field field, const std::string& out_dir) {
  std::cout << "\n" << std::left << std::setw(10) << "target" << std::right << std::setw(12) << "best known" << std::setw(8)
            << "found" << "\n";
  for (const auto& [f, r] : found)
    std::cout << std::left << std::setw(10) << f.str() << std::right << std::setw(12) << best_known(f, field) << std::setw(8)
              << (r > 0 ? std::to_string(r) : std::string("-")) << "\n";
  SchemeStore store(out_dir);
  for (const auto& entry : found) {
    const Format& f = entry.first;
    const int r = store.best_rank(f, field);
    if (r < 0) continue;
    const std::string path = store.path_for(f, r, field);
    const Scheme s = read_scheme(path);
    std::cout << "\n" << path << " (verified over " << field_name(field) << "):\n";
    for (const std::string& m : multiplication_formulas(s)) std::cout << "  " << m << "\n";
    for (const std::string& e : element_formulas(s)) std::cout << "  " << e << "\n";
  }
}

}  // namespace at::cli
