#include "nn/checkpoint.hpp"

#include <cstring>

#include "core/files.hpp"
#include "nn/network.hpp"

namespace at::nn {
namespace {

constexpr char kMagic[8] = {'A', 'T', 'N', 'N', 'C', 'K', 'P', 'T'};

uint64_t fnv1a(const char* p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; ++i) h = (h ^ uint8_t(p[i])) * 1099511628211ULL;
  return h;
}

template <typename V>
void put(std::string& s, const V& v) { s.append(reinterpret_cast<const char*>(&v), sizeof(V)); }
void put_floats(std::string& s, const std::vector<float>& v) {
  s.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

// Reads fields in order; every read checks the remaining length first.
struct Reader {
  const std::string& path;
  const char* p;
  size_t left;
  void need(size_t n) const {
    if (n > left) throw InputError(path + ": truncated checkpoint");
  }
  template <typename V>
  V get() {
    need(sizeof(V));
    V v;
    std::memcpy(&v, p, sizeof(V));
    p += sizeof(V);
    left -= sizeof(V);
    return v;
  }
  std::vector<float> floats(size_t n) {
    if (n > left / sizeof(float)) throw InputError(path + ": truncated checkpoint");
    std::vector<float> v(n);
    std::memcpy(v.data(), p, n * sizeof(float));
    p += n * sizeof(float);
    left -= n * sizeof(float);
    return v;
  }
};

}  // namespace

std::string checkpoint_bytes(const Checkpoint& c) {
  std::string s(kMagic, sizeof(kMagic));
  put(s, kCheckpointVersion);
  const std::string cfg = c.config.to_string();
  put(s, uint32_t(cfg.size()));
  s += cfg;
  put(s, c.step);
  put(s, uint64_t(c.params.size()));
  for (int i = 0; i < 4; ++i) put(s, i < int(c.rng_state.size()) ? c.rng_state[i] : uint64_t(0));
  put_floats(s, c.params);
  put_floats(s, c.adam_m);
  put_floats(s, c.adam_v);
  put(s, fnv1a(s.data(), s.size()));
  return s;
}

void write_checkpoint(const std::string& path, const Checkpoint& c) {
  if (c.adam_m.size() != c.params.size() || c.adam_v.size() != c.params.size())
    throw std::invalid_argument("checkpoint: moments and parameters differ in size");
  write_file_atomic(path, checkpoint_bytes(c));
}

Checkpoint read_checkpoint(const std::string& path) {
  const std::string data = read_file(path, size_t(1) << 36);
  if (data.size() < sizeof(kMagic) || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0)
    throw InputError(path + ": not an alphatensor network checkpoint (bad magic)");
  Reader r{path, data.data() + sizeof(kMagic), data.size() - sizeof(kMagic)};
  const uint32_t version = r.get<uint32_t>();
  if (version != kCheckpointVersion)
    throw InputError(path + ": unsupported checkpoint format version " + std::to_string(version));
  if (data.size() < sizeof(kMagic) + 4 + 8) throw InputError(path + ": truncated checkpoint");
  uint64_t stored;
  std::memcpy(&stored, data.data() + data.size() - 8, 8);
  if (stored != fnv1a(data.data(), data.size() - 8))
    throw InputError(path + ": checksum mismatch (corrupted or truncated checkpoint)");
  Checkpoint c;
  const uint32_t cfg_len = r.get<uint32_t>();
  r.need(cfg_len);
  const std::string cfg_text(r.p, cfg_len);
  r.p += cfg_len;
  r.left -= cfg_len;
  try {
    c.config = ModelConfig::from_string(cfg_text);
  } catch (const std::invalid_argument& e) {
    throw InputError(path + ": " + e.what());
  }
  c.step = r.get<uint64_t>();
  const uint64_t n = r.get<uint64_t>();
  for (int i = 0; i < 4; ++i) c.rng_state.push_back(r.get<uint64_t>());
  c.params = r.floats(n);
  c.adam_m = r.floats(n);
  c.adam_v = r.floats(n);
  if (r.left != 8) throw InputError(path + ": unexpected length for " + std::to_string(n) + " parameters");
  return c;
}

void Network::save(const std::string& path) {
  Checkpoint c;
  c.config = config();
  c.step = uint64_t(step_);
  c.rng_state = rng_.state();
  const size_t n = model_.num_params();
  c.params = get_params();
  c.adam_m.resize(n);
  c.adam_v.resize(n);
  be_.download(c.adam_m.data(), m_, n);
  be_.download(c.adam_v.data(), v_, n);
  write_checkpoint(path, c);
}

void Network::load(const std::string& path) {
  Checkpoint c = read_checkpoint(path);
  if (c.config.architecture() != config().architecture())
    throw InputError(path + ": network configuration differs (file: " + c.config.architecture() +
                     "; expected: " + config().architecture() + ")");
  if (c.params.size() != model_.num_params())
    throw InputError(path + ": parameter count " + std::to_string(c.params.size()) + " does not match the configuration");
  const size_t n = c.params.size();
  be_.upload(model_.params(), c.params.data(), n);
  be_.upload(m_, c.adam_m.data(), n);
  be_.upload(v_, c.adam_v.data(), n);
  step_ = long(c.step);
  rng_.set_state(c.rng_state);
}

}  // namespace at::nn
