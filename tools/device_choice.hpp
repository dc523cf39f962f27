#pragma once
// The backend a command's network runs on: --device auto|cpu|cuda (auto: the CUDA backend when
// this binary has it and a usable device answers, else the CPU with one line saying why),
// --cuda-arena-mb and --tensor-cores.
#include <iosfwd>
#include <memory>

#include "nn/backend.hpp"
#include "tools/cli.hpp"

namespace at::cli {

po::options_description device_options();

// Throws UsageError for --device cuda when no usable device exists (a job that asked for a GPU
// should fail, not crawl on the CPU).
std::unique_ptr<nn::Backend<float>> make_backend(const po::variables_map& vm, std::ostream& log);

}  // namespace at::cli
