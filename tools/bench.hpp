#pragma once
// Benchmark plumbing: each `alphatensor bench X` prints lines "name: value unit" and, with --json,
// one JSON object per figure.
#include <chrono>
#include <functional>
#include <string>

#include "core/format.hpp"

namespace at::cluster {
class World;
}

namespace at::cli {

// Runs f repeatedly for at least min_seconds (after one warm-up call, unless the caller made it);
// returns seconds per call.
double time_per_call(const std::function<void()>& f, double min_seconds = 0.5, bool warm_up = true);

void report(bool json, const std::string& bench, const std::string& name, double value, const std::string& unit);

int bench_core(const std::vector<std::string>& args);
int bench_mcts(const std::vector<std::string>& args);
int bench_nn(const std::vector<std::string>& args);
int bench_scheme(const std::vector<std::string>& args);
int bench_improve(const std::vector<std::string>& args);
int bench_report(const std::vector<std::string>& args);
int bench_mpi(const std::vector<std::string>& args);
// This process's CPU time in seconds, all threads (bench_mpi.cpp).
double cpu_seconds();
// bench mpi's train part (bench_mpi_train.cpp): every rank calls it.
void bench_mpi_train(cluster::World& world, const Format& target, int threads, double seconds, bool json);

}  // namespace at::cli
