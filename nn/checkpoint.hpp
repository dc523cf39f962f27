#pragma once
// Checkpoint files (little-endian, format version 1):
//   "ATNNCKPT" | u32 version | u32 n, config as n bytes of "key=value" lines | u64 step |
//   u64 num_params | 4 × u64 RNG state | f32 params[num_params] | f32 adam_m[..] | f32 adam_v[..] |
//   u64 FNV-1a checksum of every byte before it.
// The weights are plain fp32 arrays in the model's parameter order, so a checkpoint written by one
// backend loads into any other.
#include <cstdint>
#include <string>
#include <vector>

#include "nn/config.hpp"

namespace at::nn {

struct Checkpoint {
  ModelConfig config;
  uint64_t step = 0;
  std::vector<uint64_t> rng_state;  // 4 words
  std::vector<float> params, adam_m, adam_v;
};

constexpr uint32_t kCheckpointVersion = 1;

std::string checkpoint_bytes(const Checkpoint& c);
// Writes atomically (temporary file, fsync, rename).
void write_checkpoint(const std::string& path, const Checkpoint& c);
// Throws InputError "PATH: <problem>" on a missing, truncated, corrupted or unsupported file.
Checkpoint read_checkpoint(const std::string& path);

}  // namespace at::nn
