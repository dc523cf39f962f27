#pragma once
// Deterministic random numbers: xoshiro256** seeded by splitmix64, with our own distributions.
// The standard library's distributions differ between implementations, so none are used: the
// same seed gives the same output on every machine and compiler.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace at {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed);
  // An independent stream derived from this seed and an index (for parallel workers).
  static Rng stream(uint64_t seed, uint64_t index);

  uint64_t next();
  // Uniform in [lo, hi], unbiased (rejection sampling).
  int64_t uniform_int(int64_t lo, int64_t hi);
  // Uniform in [0, 1) with 53 random bits.
  double uniform01() { return double(next() >> 11) * 0x1.0p-53; }
  // Index drawn with probability proportional to weights[i] (weights >= 0, sum > 0).
  int categorical(const std::vector<double>& weights);
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[size_t(uniform_int(0, int64_t(i) - 1))]);
  }
  // Full state, for checkpoints.
  std::vector<uint64_t> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  void set_state(const std::vector<uint64_t>& s);

 private:
  uint64_t s_[4];
};

}  // namespace at
