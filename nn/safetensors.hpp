#pragma once
// Tensors in the safetensors layout (u64 little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian data), so numpy or PyTorch can
// open them. Network weights are the parameters (F32) under their ParamInfo names, with the
// network configuration ("key=value" lines) in the metadata under "config".
#include <map>
#include <string>
#include <vector>

#include "nn/config.hpp"
#include "nn/model.hpp"

namespace at::nn {

struct NamedTensor {
  std::string name;
  std::vector<int> shape;
  const float* data;  // [Π shape]
};
// Writes atomically.
void write_safetensors(const std::string& path, const std::map<std::string, std::string>& metadata,
                       const std::vector<NamedTensor>& tensors);
// The parameters (laid out as `info` says) with the configuration in the metadata.
void write_weights(const std::string& path, const ModelConfig& cfg, const std::vector<ParamInfo>& info,
                   const std::vector<float>& params);

struct SafetensorsFile {
  std::map<std::string, std::string> metadata;
  struct Tensor {
    std::vector<int> shape;
    std::vector<float> data;
  };
  std::map<std::string, Tensor> tensors;
};
// Throws InputError "PATH: <problem>" on a malformed file or a dtype other than F32.
SafetensorsFile read_safetensors(const std::string& path);
// The network configuration of a weights file; throws InputError when absent or invalid.
ModelConfig weights_config(const SafetensorsFile& f, const std::string& path);
// The parameters in `info` order; throws InputError naming the missing or misshapen tensor.
std::vector<float> gather_params(const SafetensorsFile& f, const std::vector<ParamInfo>& info, const std::string& path);

}  // namespace at::nn
