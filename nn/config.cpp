#include "nn/config.hpp"

#include <sstream>
#include <stdexcept>

#include "core/tokens.hpp"

namespace at::nn {
namespace {

struct IntKey { const char* name; int ModelConfig::*field; bool architecture; };
struct RealKey { const char* name; double ModelConfig::*field; };

const IntKey kInts[] = {
    {"S", &ModelConfig::S, true},
    {"history", &ModelConfig::history, true},
    {"c", &ModelConfig::c, true},
    {"torso_layers", &ModelConfig::torso_layers, true},
    {"torso_heads", &ModelConfig::torso_heads, true},
    {"torso_head_dim", &ModelConfig::torso_head_dim, true},
    {"mlp_factor", &ModelConfig::mlp_factor, true},
    {"dec_layers", &ModelConfig::dec_layers, true},
    {"dec_heads", &ModelConfig::dec_heads, true},
    {"dec_head_dim", &ModelConfig::dec_head_dim, true},
    {"token_d", &ModelConfig::token_d, true},
    {"coefficient_bound", &ModelConfig::coefficient_bound, true},
    {"value_width", &ModelConfig::value_width, true},
    {"quantiles", &ModelConfig::quantiles, true},
};
const RealKey kReals[] = {
    {"move_scale", &ModelConfig::move_scale},
    {"dropout", &ModelConfig::dropout},
    {"lr", &ModelConfig::lr},
    {"weight_decay", &ModelConfig::weight_decay},
    {"clip_norm", &ModelConfig::clip_norm},
    {"beta1", &ModelConfig::beta1},
    {"beta2", &ModelConfig::beta2},
    {"adam_eps", &ModelConfig::adam_eps},
    {"value_loss_weight", &ModelConfig::value_loss_weight},
};

const char* const kRecompute[] = {"off", "on", "auto"};  // in Recompute's order

std::string format_real(double v) {
  std::ostringstream o;
  o.precision(17);
  o << v;
  return o.str();
}

// Sets the key if it is in `keys`; the whole value must parse.
template <typename Keys, typename Parse>
bool set_key(const Keys& keys, const std::string& key, const std::string& value, ModelConfig* c, Parse parse) {
  for (const auto& k : keys)
    if (key == k.name) {
      size_t used = 0;
      const auto v = parse(value, &used);
      if (used != value.size()) throw std::invalid_argument("trailing characters");
      c->*k.field = v;
      return true;
    }
  return false;
}

}  // namespace

int ModelConfig::vocab() const { return TokenCodec(S, token_d, field, coefficient_bound).vocab_size(); }

void ModelConfig::set(const std::string& key, const std::string& value) {
  try {
    if (key == "field") {
      field = parse_field(value);
      return;
    }
    if (key == "recompute") {
      for (int r = 0; r < 3; ++r)
        if (value == kRecompute[r]) {
          recompute = Recompute(r);
          return;
        }
      throw std::invalid_argument("recompute");
    }
    if (key == "bf16") {
      if (value != "on" && value != "off") throw std::invalid_argument("bf16");
      bf16 = value == "on";
      return;
    }
    if (set_key(kInts, key, value, this, [](const std::string& v, size_t* used) { return std::stoi(v, used); }) ||
        set_key(kReals, key, value, this, [](const std::string& v, size_t* used) { return std::stod(v, used); }))
      return;
  } catch (const std::exception&) {
    throw std::invalid_argument("model config: bad value '" + value + "' for key '" + key + "'");
  }
  throw std::invalid_argument("model config: unknown key '" + key + "'");
}

void ModelConfig::set_all(const std::vector<std::string>& key_values) {
  for (const std::string& kv : key_values) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("model config: expected key=value, got '" + kv + "'");
    set(kv.substr(0, eq), kv.substr(eq + 1));
  }
}

ModelConfig ModelConfig::from_string(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t a = 0, b; a < text.size(); a = b + 1) {
    b = text.find('\n', a);
    if (b == std::string::npos) b = text.size();
    if (b > a) lines.push_back(text.substr(a, b - a));
  }
  ModelConfig c;
  c.set_all(lines);
  c.validate();
  return c;
}

std::string ModelConfig::to_string() const {
  std::string s = "field=" + field_name(field) + "\n";
  for (const IntKey& k : kInts) s += std::string(k.name) + "=" + std::to_string(this->*k.field) + "\n";
  for (const RealKey& k : kReals) s += std::string(k.name) + "=" + format_real(this->*k.field) + "\n";
  return s + "recompute=" + kRecompute[int(recompute)] + "\nbf16=" + (bf16 ? "on" : "off") + "\n";
}

std::string ModelConfig::architecture() const {
  std::string s = "field=" + field_name(field);
  for (const IntKey& k : kInts)
    if (k.architecture) s += " " + std::string(k.name) + "=" + std::to_string(this->*k.field);
  return s;
}

void ModelConfig::validate() const {
  for (const IntKey& k : kInts)
    if (this->*k.field < 1) throw std::invalid_argument(std::string("model config: ") + k.name + " must be >= 1");
  if (field != Field::Z && field != Field::Z2) throw std::invalid_argument("model config: field must be Z or Z2");
  if (!(dropout >= 0 && dropout < 1)) throw std::invalid_argument("model config: dropout must be in [0, 1)");
  if (!(move_scale > 0)) throw std::invalid_argument("model config: move_scale must be > 0");
  vocab();  // throws when |F|^d is too large
}

ModelConfig preset(const std::string& name) {
  ModelConfig c;  // the defaults are the small preset
  if (name == "small") return c;
  if (name == "paper") {
    c.S = 25;
    c.c = 512;
    c.torso_layers = 8;
    c.torso_heads = 16;
    c.torso_head_dim = 32;
    c.dec_heads = 32;
    c.dec_head_dim = 64;
    c.token_d = 5;  // not published: k = 15 tokens, 3125 symbols
    c.value_width = 512;
    return c;
  }
  if (name == "cpu") {
    // train's small preset: "small" narrowed so that on 2 cores the learner and the search run ~8x
    // faster (learner step, batch 64: 0.22 s against 1.1 s; 8 states x 16 samples: 11 ms against
    // 87 ms), which on (2,2,2) lets the policy learn from demonstrations within minutes.
    // F = {-1,0,1}: the alphabet of the known small schemes, 81 symbols per token of 4 entries.
    c.set_all({"c=32", "torso_layers=1", "torso_heads=2", "torso_head_dim=16", "dec_layers=1", "dec_heads=2",
               "dec_head_dim=16", "value_width=32", "lr=1e-3", "coefficient_bound=1"});
    return c;
  }
  throw std::invalid_argument("unknown model preset '" + name + "' (small, cpu, paper)");
}

ModelConfig with_settings(ModelConfig c, const std::vector<std::string>& settings) {
  const std::string architecture = c.architecture();
  for (const std::string& kv : settings) {
    c.set_all({kv});
    if (c.architecture() != architecture)
      throw std::invalid_argument("model config: '" + kv + "' changes the network's architecture");
  }
  c.validate();
  return c;
}

ModelConfig make_config(const std::string& name, const std::vector<std::string>& overrides) {
  ModelConfig c = preset(name);
  c.set_all(overrides);
  c.validate();
  return c;
}

}  // namespace at::nn
