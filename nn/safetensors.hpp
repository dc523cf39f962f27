#pragma once
// Weights in the safetensors layout (u64 little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian data), so numpy or PyTorch can
// open them. Tensors are the model's parameters (F32) under their ParamInfo names; the metadata
// carries the network configuration ("config": the "key=value" lines).
#include <map>
#include <string>
#include <vector>

#include "nn/config.hpp"
#include "nn/model.hpp"

namespace at::nn {

// Writes atomically. params: [Σ sizes] laid out as `info` says.
void write_safetensors(const std::string& path, const ModelConfig& cfg, const std::vector<ParamInfo>& info,
                       const std::vector<float>& params);

struct SafetensorsFile {
  ModelConfig config;
  struct Tensor {
    std::vector<int> shape;
    std::vector<float> data;
  };
  std::map<std::string, Tensor> tensors;
};
// Throws InputError "PATH: <problem>" on a malformed file, a dtype other than F32 or a bad config.
SafetensorsFile read_safetensors(const std::string& path);
// The parameters in `info` order; throws InputError naming the missing or misshapen tensor.
std::vector<float> gather_params(const SafetensorsFile& f, const std::vector<ParamInfo>& info, const std::string& path);

}  // namespace at::nn
