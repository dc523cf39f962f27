#include "nn/safetensors.hpp"

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/files.hpp"

namespace at::nn {

void write_safetensors(const std::string& path, const std::map<std::string, std::string>& metadata,
                       const std::vector<NamedTensor>& tensors) {
  nlohmann::json header;
  header["__metadata__"] = metadata;
  size_t offset = 0;
  for (const NamedTensor& t : tensors) {
    size_t n = 1;
    for (int d : t.shape) n *= size_t(d);
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + n * sizeof(float)}}};
    offset += n * sizeof(float);
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  std::string out(8, '\0');
  const uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[i] = char((n >> (8 * i)) & 0xff);
  out += text;
  out.reserve(out.size() + offset);
  for (const NamedTensor& t : tensors) {
    size_t count = 1;
    for (int d : t.shape) count *= size_t(d);
    out.append(reinterpret_cast<const char*>(t.data), count * sizeof(float));
  }
  write_file_atomic(path, out);
}

void write_weights(const std::string& path, const ModelConfig& cfg, const std::vector<ParamInfo>& info,
                   const std::vector<float>& params) {
  std::vector<NamedTensor> tensors;
  for (const ParamInfo& p : info) tensors.push_back({p.name, p.shape, params.data() + p.offset});
  write_safetensors(path, {{"format", "alphatensor"}, {"config", cfg.to_string()}}, tensors);
}

SafetensorsFile read_safetensors(const std::string& path) {
  const std::string data = read_file(path, size_t(1) << 36);
  auto bad = [&](const std::string& what) { return InputError(path + ": " + what); };
  if (data.size() < 8) throw bad("not a safetensors file (too short)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(data[i])) << (8 * i);
  if (n > data.size() - 8) throw bad("header length exceeds the file");
  const size_t base = 8 + n, bytes = data.size() - base;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(data.substr(8, n));
  } catch (const nlohmann::json::exception&) {
    throw bad("malformed safetensors header");
  }
  SafetensorsFile f;
  if (!header.is_object()) throw bad("malformed safetensors header");
  try {
    if (header.contains("__metadata__"))
      for (const auto& [key, value] : header["__metadata__"].items()) f.metadata[key] = value.get<std::string>();
    for (const auto& [name, t] : header.items()) {
      if (name == "__metadata__") continue;
      if (t.at("dtype") != "F32") throw bad("tensor " + name + " is not F32");
      SafetensorsFile::Tensor x;
      x.shape = t.at("shape").get<std::vector<int>>();
      const size_t b = t.at("data_offsets").at(0).get<size_t>(), e = t.at("data_offsets").at(1).get<size_t>();
      size_t count = 1;
      for (int d : x.shape) count *= size_t(d < 0 ? 0 : d);
      if (b > e || e > bytes || e - b != count * sizeof(float)) throw bad("tensor " + name + " has a bad byte range");
      x.data.resize(count);
      std::memcpy(x.data.data(), data.data() + base + b, e - b);
      f.tensors[name] = std::move(x);
    }
  } catch (const nlohmann::json::exception&) {
    throw bad("malformed safetensors header");
  }
  return f;
}

ModelConfig weights_config(const SafetensorsFile& f, const std::string& path) {
  const auto it = f.metadata.find("config");
  if (it == f.metadata.end()) throw InputError(path + ": no network configuration in the metadata");
  try {
    return ModelConfig::from_string(it->second);
  } catch (const std::invalid_argument& e) {
    throw InputError(path + ": " + e.what());
  }
}

std::vector<float> gather_params(const SafetensorsFile& f, const std::vector<ParamInfo>& info, const std::string& path) {
  size_t total = 0;
  for (const ParamInfo& p : info) total = std::max(total, p.offset + p.size());
  std::vector<float> out(total);
  for (const ParamInfo& p : info) {
    const auto it = f.tensors.find(p.name);
    if (it == f.tensors.end()) throw InputError(path + ": tensor " + p.name + " is missing");
    if (it->second.shape != p.shape) throw InputError(path + ": tensor " + p.name + " has the wrong shape");
    std::copy(it->second.data.begin(), it->second.data.end(), out.begin() + long(p.offset));
  }
  return out;
}

}  // namespace at::nn
