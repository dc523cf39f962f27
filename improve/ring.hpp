#pragma once
// The coefficient rings of the flip graph. A factor (one of u, v, w of a term) is a fixed-size
// value so that a flip costs O(length of a factor) and allocates nothing. Each ring comes in a
// narrow size (factors of up to 64 coefficients: every operation is a few word operations) and a
// wide one (up to kMaxDim² = 256 coefficients, every format the tool accepts).
//   Z2Bits:      GF(2), a factor is a bitmask (bit i = coefficient i).
//   TernaryBits: integers in {-1,0,1}, a factor is two bitmasks (positive and negative entries).
//   Z3Bits:      GF(3), the same two bitmasks (2 = -1), with addition mod 3 instead of a bound.
//   ZBounded:    integers with |c| <= bound (wider bounds), one int8 per coefficient.
// Over Z and Z3 factors are compared and hashed up to sign, since u⊗v⊗w = (-u)⊗(-v)⊗w (over Z3
// the units are exactly ±1, so this is "up to a scalar").
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/field.hpp"
#include "core/format.hpp"
#include "core/rational.hpp"

namespace at::improve {

constexpr int kNarrowLength = 64;                   // one 64-bit word per factor
constexpr int kMaxFactorLength = kMaxDim * kMaxDim; // n·m, m·p and p·n are at most this

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

template <int W>
using Words = std::array<uint64_t, W>;

template <int W>
inline uint64_t hash_words(const Words<W>& a, uint64_t h = 0) {
  for (int i = 0; i < W; ++i) h = mix64(h ^ a[i]);
  return h;
}

// (std::array's == goes through memcmp, which is slower here for one or four words.)
template <int W>
inline bool equal_words(const Words<W>& a, const Words<W>& b) {
  uint64_t diff = 0;
  for (int i = 0; i < W; ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

template <int W>
inline bool bit(const Words<W>& a, int i) {
  return (a[i / 64] >> (i % 64)) & 1;
}

template <int W>
inline void set_bit(Words<W>& a, int i) {
  a[i / 64] |= uint64_t(1) << (i % 64);
}

template <int W>
struct Z2Bits {
  using Factor = Words<W>;
  static constexpr Field field = Field::Z2;
  static constexpr int kMaxLength = 64 * W;

  bool is_zero(const Factor& a, int) const {
    uint64_t any = 0;
    for (int i = 0; i < W; ++i) any |= a[i];
    return any == 0;
  }
  uint64_t hash(const Factor& a, int) const { return hash_words<W>(a); }
  // +1 when a == b, -1 when a == -b (never mod 2), 0 otherwise.
  int same(const Factor& a, const Factor& b, int) const { return equal_words<W>(a, b); }
  // out = a + lambda·b; false when out leaves the coefficient range (never mod 2).
  bool add(Factor& out, const Factor& a, const Factor& b, int, int) const {
    for (int i = 0; i < W; ++i) out[i] = a[i] ^ b[i];
    return true;
  }
  Factor from_row(const Rational* x, int len) const {
    Factor a{};
    for (int i = 0; i < len; ++i)
      if (x[i].mod2()) set_bit<W>(a, i);
    return a;
  }
  void to_row(const Factor& a, int len, Rational* out) const {
    for (int i = 0; i < len; ++i) out[i] = Rational(int64_t(bit<W>(a, i)));
  }
};

template <int W>
struct TernaryBits {
  struct Factor {
    Words<W> pos{}, neg{};  // bit i set: coefficient i is +1 (pos) or -1 (neg)
  };
  static constexpr Field field = Field::Z;
  static constexpr int kMaxLength = 64 * W;

  bool is_zero(const Factor& a, int) const {
    uint64_t any = 0;
    for (int i = 0; i < W; ++i) any |= a.pos[i] | a.neg[i];
    return any == 0;
  }
  uint64_t hash(const Factor& a, int) const {
    bool flip = false;  // scale so that the first non-zero entry is +1
    for (int i = 0; i < W; ++i) {
      const uint64_t any = a.pos[i] | a.neg[i];
      if (!any) continue;
      flip = (a.neg[i] & any & (~any + 1)) != 0;
      break;
    }
    return hash_words<W>(flip ? a.pos : a.neg, hash_words<W>(flip ? a.neg : a.pos));
  }
  int same(const Factor& a, const Factor& b, int) const {
    if (equal_words<W>(a.pos, b.pos) && equal_words<W>(a.neg, b.neg)) return 1;
    return equal_words<W>(a.pos, b.neg) && equal_words<W>(a.neg, b.pos) ? -1 : 0;
  }
  bool add(Factor& out, const Factor& a, const Factor& b, int lambda, int) const {
    uint64_t overflow = 0;
    for (int i = 0; i < W; ++i) {
      const uint64_t bp = lambda > 0 ? b.pos[i] : b.neg[i], bn = lambda > 0 ? b.neg[i] : b.pos[i];
      overflow |= (a.pos[i] & bp) | (a.neg[i] & bn);  // a 2 or a -2
      out.pos[i] = (a.pos[i] & ~bn) | (bp & ~a.neg[i]);
      out.neg[i] = (a.neg[i] & ~bp) | (bn & ~a.pos[i]);
    }
    return overflow == 0;
  }
  Factor from_row(const Rational* x, int len) const {
    Factor a;
    for (int i = 0; i < len; ++i) {
      if (x[i] == Rational(1)) set_bit<W>(a.pos, i);
      else if (x[i] == Rational(-1)) set_bit<W>(a.neg, i);
      else if (!x[i].is_zero())
        throw std::invalid_argument("coefficient " + x[i].str() + " is not in {-1,0,1} (raise --bound)");
    }
    return a;
  }
  void to_row(const Factor& a, int len, Rational* out) const {
    for (int i = 0; i < len; ++i) out[i] = Rational(int64_t(bit<W>(a.pos, i)) - int64_t(bit<W>(a.neg, i)));
  }
};

// GF(3) shares the ternary factors' layout, zero test, hash and comparison up to sign; a sum wraps
// (1 + 1 = -1) instead of leaving the range, and any coefficient with a value mod 3 is accepted.
template <int W>
struct Z3Bits : TernaryBits<W> {
  using Factor = typename TernaryBits<W>::Factor;
  static constexpr Field field = Field::Z3;

  bool add(Factor& out, const Factor& a, const Factor& b, int lambda, int) const {
    for (int i = 0; i < W; ++i) {
      const uint64_t bp = lambda > 0 ? b.pos[i] : b.neg[i], bn = lambda > 0 ? b.neg[i] : b.pos[i];
      const uint64_t a0 = ~(a.pos[i] | a.neg[i]), b0 = ~(bp | bn);
      out.pos[i] = (a.pos[i] & b0) | (bp & a0) | (a.neg[i] & bn);  // 1+0, 0+1, (-1)+(-1)
      out.neg[i] = (a.neg[i] & b0) | (bn & a0) | (a.pos[i] & bp);  // -1+0, 0-1, 1+1
    }
    return true;
  }
  Factor from_row(const Rational* x, int len) const {
    Factor a;
    for (int i = 0; i < len; ++i) {
      const int r = x[i].mod(3);
      if (r == 1) set_bit<W>(a.pos, i);
      else if (r == 2) set_bit<W>(a.neg, i);
    }
    return a;
  }
};

template <int L>
struct ZBounded {
  using Factor = std::array<int8_t, L>;
  static constexpr Field field = Field::Z;
  static constexpr int kMaxLength = L;
  static constexpr int kMaxBound = 63;
  int bound = 2;  // largest |coefficient| a flip may create (at most kMaxBound)

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
  Factor from_row(const Rational* x, int len) const {
    Factor a{};
    for (int i = 0; i < len; ++i) {
      if (!x[i].is_integer() || x[i].num() > bound || x[i].num() < -bound)
        throw std::invalid_argument("coefficient " + x[i].str() + " is outside the integers of absolute value at most " +
                                    std::to_string(bound) + " (raise --bound)");
      a[i] = int8_t(x[i].num());
    }
    return a;
  }
  void to_row(const Factor& a, int len, Rational* out) const {
    for (int i = 0; i < len; ++i) out[i] = Rational(int64_t(a[i]));
  }
};

using Z2Ring = Z2Bits<1>;
using Z2RingWide = Z2Bits<kMaxFactorLength / 64>;
using TernaryRing = TernaryBits<1>;
using TernaryRingWide = TernaryBits<kMaxFactorLength / 64>;
using Z3Ring = Z3Bits<1>;
using Z3RingWide = Z3Bits<kMaxFactorLength / 64>;
using ZRing = ZBounded<kNarrowLength>;
using ZRingWide = ZBounded<kMaxFactorLength>;

}  // namespace at::improve
