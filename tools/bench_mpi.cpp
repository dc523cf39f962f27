// alphatensor bench mpi (under mpirun, mpiexec or srun): the broadcast time of the paper preset's
// weights (what train sends from the learner to the actors) and improve's flips/s, rank 0 alone
// and then all ranks together (scaling: the same threads per rank, ideally N times as many flips),
// also per CPU second (the ranks' cost where the machine's cores are shared); first train's
// self-play scaling and learner (bench_mpi_train.cpp).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>
#include <time.h>

#include "core/builtin.hpp"
#include "core/threads.hpp"
#include "cluster/improve_ranks.hpp"
#include "nn/config.hpp"
#include "nn/cpu_backend.hpp"
#include "nn/model.hpp"
#include "tools/bench.hpp"
#include "tools/cli.hpp"

namespace at::cli {
namespace {

// improve from the naive scheme of `f` over GF(2) for `seconds`, no target: flips and seconds.
improve::RunOptions improve_options(int threads, double seconds) {
  improve::RunOptions o;
  o.threads = threads;
  o.time_limit = seconds;
  o.search.field = Field::Z2;
  o.search.pool_size = std::max(8, threads);
  return o;
}

}  // namespace

// This process's CPU time (all threads): flips per CPU second do not depend on what else runs on
// the machine, so they show what the ranks cost even where cores are shared.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

int bench_mpi(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("preset", po::value<std::string>()->default_value("paper"), "network whose weights are broadcast")(
      "format", po::value<std::string>()->default_value("4,4,4"), "improve's format (from the naive scheme, GF(2))")(
      "seconds", po::value<double>()->default_value(10), "improve's time per measurement")(
      "threads", po::value<int>()->default_value(0), "threads per rank (0: the rank's share of its node's cores)")(
      "part", po::value<std::string>()->default_value("all"), "all, improve (broadcast and improve) or train")(
      "train-target", po::value<std::string>()->default_value("2,2,2"), "train's target (small preset, GF(2))")(
      "train-seconds", po::value<double>()->default_value(10), "train's time per measurement")(
      "json", po::bool_switch(), "JSON lines");
  po::variables_map vm;
  if (!parse("bench mpi", "[--preset paper] [--format 4,4,4] [--seconds 10] [--threads T] [--json]   (under a launcher: "
                          "mpirun -np 2 alphatensor bench mpi)",
             args, opts, {}, vm))
    return kOk;
  const std::unique_ptr<cluster::World> world = cluster::join_if_launched();
  if (!world) throw UsageError("bench mpi runs under an MPI launcher: mpirun -np 2 alphatensor bench mpi");
  const bool root = world->rank() == 0, json = vm["json"].as<bool>();
  const double seconds = vm["seconds"].as<double>();
  if (seconds <= 0) throw UsageError("--seconds must be > 0");
  const std::string part = vm["part"].as<std::string>();
  if (part != "all" && part != "improve" && part != "train") throw UsageError("--part must be all, improve or train");
  Format format, train_target;
  try {
    format = Format::parse(vm["format"].as<std::string>());
    train_target = Format::parse(vm["train-target"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--format/--train-target: ") + e.what());
  }
  const int threads = vm["threads"].as<int>() > 0 ? vm["threads"].as<int>()
                                                  : std::min(default_thread_count(), cluster::threads_per_rank(world->launcher()));
  auto out = [&](const std::string& name, double value, const std::string& unit) {
    if (root) report(json, "mpi", name, value, unit);
  };
  if (root && !json) std::cout << "MPI: " << world->describe() << "\n";
  out("ranks", world->size(), "");
  out("threads per rank", threads, "");
  if (part != "improve") bench_mpi_train(*world, train_target, threads, vm["train-seconds"].as<double>(), json);
  if (part == "train") return kOk;

  // The learner's weights: the parameter count of the preset's network (float32).
  size_t bytes = 0;
  try {
    nn::CpuBackend<float> be;
    bytes = nn::Model<float>(nn::make_config(vm["preset"].as<std::string>()), be).num_params() * sizeof(float);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--preset: ") + e.what());
  }
  const double bcast = world->call([&](cluster::Mpi& m) {
    std::string buf(bytes, root ? '\1' : '\0');
    m.broadcast(buf, 0);  // warm-up (connections, registration)
    const int reps = 5;
    m.barrier();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) m.broadcast(buf, 0);
    m.barrier();
    return m.allreduce(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps, cluster::Op::Max);
  });
  out(vm["preset"].as<std::string>() + " weights", double(bytes) / 1e6, "MB");
  out("broadcast of the weights", bcast * 1e3, "ms");
  out("broadcast bandwidth", double(bytes) / bcast / 1e9, "GB/s");

  // improve: rank 0 alone (the others sleep, so that they take no core), then every rank.
  const Scheme start = naive_scheme(format);
  double alone = 0, alone_cpu = 0;
  if (root) {
    const double cpu0 = cpu_seconds();
    const improve::RunResult r = improve::run(start, improve_options(threads, seconds));
    alone = double(r.flips) / r.seconds, alone_cpu = double(r.flips) / (cpu_seconds() - cpu0);
  } else {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds + 0.5));
  }
  world->call([](cluster::Mpi& m) { m.barrier(); });
  const std::atomic<bool> never{false};
  const double cpu0 = cpu_seconds();
  const cluster::RanksResult all = cluster::improve_across_ranks(*world, start, improve_options(threads, seconds), {}, &never);
  const double cpu = world->call([&](cluster::Mpi& m) { return m.allreduce(cpu_seconds() - cpu0, cluster::Op::Sum); });
  const double together = double(all.flips) / all.run.seconds;
  const std::string what = "improve " + format.str() + " GF(2) ";
  out(what + "flips/s, rank 0 alone", alone, "flips/s");
  out(what + "flips/s, all ranks", together, "flips/s");
  out("improve speed-up, all ranks over one", together / alone, "x");
  out(what + "flips per CPU second, rank 0 alone", alone_cpu, "flips/s");
  out(what + "flips per CPU second, all ranks", double(all.flips) / cpu, "flips/s");
  return kOk;
}

}  // namespace at::cli
