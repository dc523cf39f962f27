#include "core/rng.hpp"

#include <stdexcept>

namespace at {
namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

void Rng::reseed(uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

Rng Rng::stream(uint64_t seed, uint64_t index) {
  uint64_t x = seed ^ (index * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
  return Rng(splitmix64(x));
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

int64_t Rng::uniform_int(int64_t lo, int64_t hi) {
  if (hi < lo) throw std::invalid_argument("uniform_int: empty range");
  const uint64_t range = uint64_t(hi) - uint64_t(lo);
  if (range == ~uint64_t(0)) return int64_t(next());
  const uint64_t n = range + 1;
  const uint64_t limit = ~uint64_t(0) - (~uint64_t(0) % n) - 1;  // reject the biased tail
  uint64_t x;
  do x = next(); while (x > limit);
  return lo + int64_t(x % n);
}

int Rng::categorical(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  if (!(total > 0)) throw std::invalid_argument("categorical: weights sum to zero");
  double x = uniform01() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return int(i);
    x -= weights[i];
  }
  for (size_t i = weights.size(); i-- > 0;)  // rounding: the last positive weight
    if (weights[i] > 0) return int(i);
  return 0;
}

void Rng::set_state(const std::vector<uint64_t>& s) {
  if (s.size() != 4) throw std::invalid_argument("rng state must have 4 words");
  for (int i = 0; i < 4; ++i) s_[i] = s[i];
}

}  // namespace at
