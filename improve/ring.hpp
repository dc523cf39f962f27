#pragma once
// The coefficient rings of the flip graph. A factor (one of u, v, w of a term) is a fixed-size
// value so that a flip costs O(length of a factor) and allocates nothing.
//   Z2Ring: GF(2), a factor is a bitmask (bit i = coefficient i), lengths up to 64.
//   TernaryRing: integers in {-1,0,1}, a factor is two bitmasks (positive and negative entries),
//           lengths up to 64: every operation is O(1).
//   ZRing:  integers bounded by |c| <= bound (wider bounds), one int8 per coefficient, lengths
//           up to 64.
// Over Z factors are compared and hashed up to sign, since u⊗v⊗w = (-u)⊗(-v)⊗w.
#include <array>
#include <cstdint>

#include "core/field.hpp"
#include "core/rational.hpp"

namespace at::improve {

constexpr int kMaxFactorLength = 64;  // n·m, m·p and p·n must each be at most this

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

struct Z2Ring {
  using Factor = uint64_t;
  static constexpr Field field = Field::Z2;

  bool is_zero(Factor a, int) const { return a == 0; }
  uint64_t hash(Factor a, int) const { return mix64(a); }
  // +1 when a == b, -1 when a == -b (never mod 2), 0 otherwise.
  int same(Factor a, Factor b, int) const { return a == b; }
  // out = a + lambda·b; false when out leaves the coefficient range (never mod 2).
  bool add(Factor& out, Factor a, Factor b, int, int) const {
    out = a ^ b;
    return true;
  }
  Factor from_row(const Rational* x, int len) const;
  void to_row(Factor a, int len, Rational* out) const;
};

struct TernaryRing {
  struct Factor {
    uint64_t pos = 0, neg = 0;  // bit i set: coefficient i is +1 (pos) or -1 (neg)
  };
  static constexpr Field field = Field::Z;

  bool is_zero(const Factor& a, int) const { return (a.pos | a.neg) == 0; }
  uint64_t hash(const Factor& a, int) const {
    const uint64_t low = (a.pos | a.neg) & (~(a.pos | a.neg) + 1);  // first non-zero entry
    const bool flip = (a.neg & low) != 0;                           // scale it to +1
    return mix64((flip ? a.neg : a.pos) * 0x9e3779b97f4a7c15ULL ^ mix64(flip ? a.pos : a.neg));
  }
  int same(const Factor& a, const Factor& b, int) const {
    return a.pos == b.pos && a.neg == b.neg ? 1 : a.pos == b.neg && a.neg == b.pos ? -1 : 0;
  }
  bool add(Factor& out, const Factor& a, const Factor& b, int lambda, int) const {
    const uint64_t bp = lambda > 0 ? b.pos : b.neg, bn = lambda > 0 ? b.neg : b.pos;
    if ((a.pos & bp) | (a.neg & bn)) return false;  // a 2 or a -2
    out.pos = (a.pos & ~bn) | (bp & ~a.neg);
    out.neg = (a.neg & ~bp) | (bn & ~a.pos);
    return true;
  }
  Factor from_row(const Rational* x, int len) const;
  void to_row(const Factor& a, int len, Rational* out) const;
};

struct ZRing {
  using Factor = std::array<int8_t, kMaxFactorLength>;
  static constexpr Field field = Field::Z;
  int bound = 1;  // largest |coefficient| a flip may create (at most kMaxBound)
  static constexpr int kMaxBound = 63;

  bool is_zero(const Factor& a, int len) const {
    for (int i = 0; i < len; ++i)
      if (a[i]) return false;
    return true;
  }
  // Sign-invariant: hashes the factor scaled so that its first non-zero entry is positive.
  uint64_t hash(const Factor& a, int len) const {
    int i = 0;
    while (i < len && a[i] == 0) ++i;
    const int s = i < len && a[i] < 0 ? -1 : 1;
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (; i < len; ++i) h = (h ^ uint64_t(uint8_t(int8_t(s * a[i])) + 256 * i)) * 0x100000001b3ULL;
    return mix64(h);
  }
  int same(const Factor& a, const Factor& b, int len) const {
    bool plus = true, minus = true;
    for (int i = 0; i < len && (plus || minus); ++i) {
      plus &= a[i] == b[i];
      minus &= a[i] == -b[i];
    }
    return plus ? 1 : minus ? -1 : 0;
  }
  bool add(Factor& out, const Factor& a, const Factor& b, int lambda, int len) const {
    for (int i = 0; i < len; ++i) {
      const int t = a[i] + lambda * b[i];
      if (t > bound || t < -bound) return false;
      out[i] = int8_t(t);
    }
    return true;  // entries from len on are never read
  }
  Factor from_row(const Rational* x, int len) const;
  void to_row(const Factor& a, int len, Rational* out) const;
};

}  // namespace at::improve
