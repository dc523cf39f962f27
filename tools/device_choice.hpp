#pragma once
// The backend a command's network runs on: --device auto|cpu|cuda (auto: the CUDA backend when
// this binary has it and a usable device answers, else the CPU with one line saying why),
// --cuda-arena-mb and --tensor-cores; and how the CPU backend runs it (bf16 inference).
#include <iosfwd>
#include <memory>

#include "nn/backend.hpp"
#include "nn/network.hpp"
#include "tools/cli.hpp"

namespace at::cli {

po::options_description device_options();

// Throws UsageError for --device cuda when no usable device exists (a job that asked for a GPU
// should fail, not crawl on the CPU).
std::unique_ptr<nn::Backend<float>> make_backend(const po::variables_map& vm, std::ostream& log);

// A checkpoint's configuration with the command's --set settings (nn::with_settings; a key that
// changes the architecture is a usage error).
nn::ModelConfig settings_from(const po::variables_map& vm, const nn::ModelConfig& c);

// One line on `log` when the network's config asks for bf16 inference (--set bf16=on) but its
// backend has none: the products stay fp32.
void note_bf16(nn::Network& net, std::ostream& log);

}  // namespace at::cli
