// alphatensor campaign: flip-graph searches over many formats, each seeded from the best schemes
// of smaller ones (the work is improve::run_campaign).
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cluster/improve_ranks.hpp"
#include "core/threads.hpp"
#include "improve/campaign.hpp"
#include "tools/cli.hpp"
#include "tools/discovery.hpp"

namespace at::cli {
namespace {

// One plain line per event worth a look (metrics.jsonl has them all).
void print_event(const nlohmann::json& j) {
  const std::string e = j.value("event", "");
  std::ostringstream o;
  o << std::fixed << std::setprecision(1) << "[" << j.value("elapsed", 0.0) << " s] ";
  if (e == "visit") {
    o << j["format"].get<std::string>() << ": visit " << j["visit"] << " (" << j["reason"].get<std::string>() << "), "
      << j["slice"].get<double>() << " s from " << j["start"].get<std::string>() << " rank " << j["start_rank"]
      << (j["start_ours"].get<bool>() ? "" : " (copied seed)") << "; best " << j["rank"] << ", best known " << j["target"];
  } else if (e == "best") {  // only new bests of the campaign (a walk from naive passes many ranks)
    if (!j["stored"].get<bool>()) return;
    o << j["format"].get<std::string>() << ": rank " << j["rank"] << " (written)";
  } else if (e == "visit_end") {
    o << j["format"].get<std::string>() << ": " << j["rank_before"] << " -> " << j["rank"] << " (best known "
      << j["target"] << ") in " << j["seconds"].get<double>() << " s";
    if (!j["revisit"].empty()) o << "; revisit " << j["revisit"].dump();
  } else if (e == "lift") {
    o << j["format"].get<std::string>() << ": lift of rank " << j["rank"] << ": " << j["message"].get<std::string>();
  } else if (e == "start" || e == "resume") {
    o << e << ": " << j["order"].size() << " formats over " << j["field"].get<std::string>() << ", order "
      << j["order"].dump();
  } else if (e == "done") {
    o << "done (" << j["why"].get<std::string>() << ")";
    int at_best = 0;
    for (const auto& [f, row] : j["table"].items()) {
      at_best += row["rank"].get<int>() <= row["target"].get<int>();
      o << "\n  " << std::left << std::setw(7) << f << std::right << " rank " << std::setw(4) << row["rank"].get<int>()
        << "  best known " << std::setw(4) << row["target"].get<int>() << (row["ours"].get<bool>() ? "" : "  (copied seed)")
        << "  " << std::setprecision(0) << row["seconds"].get<double>() << " s, " << row["visits"] << " visits";
    }
    o << "\n  " << at_best << " of " << j["table"].size() << " formats at the best known rank";
  } else {
    return;
  }
  std::cout << o.str() << "\n" << std::flush;
}

}  // namespace

int cmd_campaign(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("formats", po::value<std::vector<std::string>>(), "all<=N (every n<=m<=p in 2..N) or n,m,p (repeatable)")
      ("field", po::value<std::string>()->default_value("Z2"), "Z2, Z3 or Z (ternary by default: valid over every ring)")
      ("time-limit", po::value<std::string>()->default_value("1h"), "total time (90s, 10m, 2h)")
      ("out", po::value<std::string>(), "output folder: schemes/, metrics.jsonl, campaign.json (the schedule's state)")
      ("threads", po::value<int>()->default_value(0), "worker threads (0: SLURM_CPUS_PER_TASK or all cores)")
      ("resume", po::bool_switch(), "continue the campaign in --out where it stopped (same formats, field, seed)")
      ("from-dir", po::value<std::vector<std::string>>(), "folder of seed schemes (.json, .exp, .txt; repeatable); "
                                                            "recorded as copied seeds, never as our finds")
      ("seed-from", po::value<std::string>()->default_value("none"),
       "none: seeds are our own constructions only (naive, sums, products, extend/project of our finds); "
       "data: also the schemes in data/schemes (compiled in), recorded as copied seeds")
      ("bound", po::value<int>()->default_value(1), "over Z: largest |coefficient| of the flip graph")
      ("pool-size", po::value<int>()->default_value(0), "walks per generation (0: max(8, threads))")
      ("seed", po::value<uint64_t>()->default_value(1), "random seed")
      ("stall", po::value<std::string>()->default_value("15s"),
       "a visit ends once its walks found nothing lower for this long: the time goes to a fresh start "
       "or another format")
      ("no-lift", po::bool_switch(), "do not Hensel-lift GF(2)/GF(3) improvements to Z (or Q)");
  po::variables_map vm;
  if (!parse("campaign", "--formats all<=5 --out DIR [--field Z2|Z3|Z] [--time-limit 1h] [--threads N] [--resume] "
                         "[--from-dir DIR]... [--seed-from none|data]\n\n"
                         "Flip-graph searches over many formats. Each format starts from the best schemes found so far\n"
                         "for smaller ones (direct sums, Kronecker products, extend/project, permutations); parts are\n"
                         "worked on first, and a format is revisited when one of its parts improves. Formats at their\n"
                         "best known rank get no more time. Every find is verified and stored at once in DIR/schemes/;\n"
                         "DIR/metrics.jsonl has the schedule and every decision. SIGINT/SIGTERM: exit 4, --resume goes on.\n"
                         "Under mpirun, mpiexec or srun: every visit's search runs on all ranks (as improve does);\n"
                         "rank 0 schedules, writes and reports; the site's MPI is loaded at run time.",
             args, opts, {}, vm))
    return kOk;
  if (!vm.count("out")) throw UsageError("--out DIR is required");
  if (!vm.count("formats")) throw UsageError("--formats is required (e.g. all<=5 or 2,3,4)");
  improve::CampaignOptions o;
  try {
    for (const std::string& spec : vm["formats"].as<std::vector<std::string>>())
      for (const Format& f : improve::parse_formats(spec)) o.formats.push_back(f);
    o.field = parse_field(vm["field"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--formats/--field: ") + e.what());
  }
  if (o.field == Field::Q) throw UsageError("--field: the flip graph works over Z2, Z3 or Z");
  for (const Format& f : o.formats) {
    if (f.n == 1) throw UsageError("--formats: " + f.str() + " has a dimension 1 (the naive scheme is optimal)");
    if (f.a_size() > 256 || f.b_size() > 256 || f.c_size() > 256)
      throw UsageError("--formats: " + f.str() + " is too large for the flip graph");
  }
  const std::string seed_from = vm["seed-from"].as<std::string>();
  if (seed_from != "none" && seed_from != "data") throw UsageError("--seed-from must be none or data");
  o.seed_from_data = seed_from == "data";
  o.seconds = parse_duration(vm["time-limit"].as<std::string>());
  o.out = vm["out"].as<std::string>();
  if (vm.count("from-dir")) o.from_dirs = vm["from-dir"].as<std::vector<std::string>>();
  o.resume = vm["resume"].as<bool>();
  o.bound = vm["bound"].as<int>();
  if (o.bound < 1) throw UsageError("--bound must be at least 1");
  // Under an MPI launcher: one campaign over all ranks (rank 0 writes and reports); else MPI is never loaded.
  const std::unique_ptr<cluster::World> world = cluster::join_if_launched();
  const bool root = !world || world->rank() == 0;
  if (world) {
    if (root) std::cout << "MPI: " << world->describe() << "\n" << std::flush;
    o.ranks.root = root;
    o.ranks.agree = [&world](const std::string& bytes) {
      std::string b = bytes;
      world->call([&b](cluster::Mpi& m) { m.broadcast(b, 0); });
      return b;
    };
    o.ranks.run = [&world](const Scheme& start, const improve::RunOptions& ro, const improve::RunEvents& events,
                           const std::atomic<bool>* cancel) {
      const cluster::RanksResult all = cluster::improve_across_ranks(*world, start, ro, events, cancel);
      improve::RunResult r = all.run;
      r.flips = all.flips, r.stopped_by = all.stopped_by;
      return r;
    };
  }
  o.threads = vm["threads"].as<int>() > 0 ? vm["threads"].as<int>()
              : world                       ? std::min(default_thread_count(), cluster::threads_per_rank(world->launcher()))
                                            : default_thread_count();
  o.pool_size = vm["pool-size"].as<int>() > 0 ? vm["pool-size"].as<int>() : std::max(8, o.threads);
  o.seed = vm["seed"].as<uint64_t>();
  o.min_stall = parse_duration(vm["stall"].as<std::string>());
  if (o.min_stall <= 0) throw UsageError("--stall must be positive");
  o.lift = !vm["no-lift"].as<bool>();
  const bool stopped = improve::run_campaign(o, stop_on_signals(), root ? print_event : nullptr);
  if (root)
    std::cout << "schemes: " << o.out << "/schemes (table: alphatensor records --schemes " << o.out << "/schemes)\n";
  return stopped ? kInterrupted : kOk;
}

}  // namespace at::cli
