#pragma once
// Action <-> token codec for the policy head. An action is laid out as 3S entries (u, v, w, each
// zero-padded to S) and cut into k = ceil(3S/d) tokens of d entries; a token is the base-|F|
// number of its entries, so the vocabulary has |F|^d symbols.
#include <vector>

#include "core/game.hpp"

namespace at {

class TokenCodec {
 public:
  // S: padded mode size; d: entries per token; field and bound give F.
  TokenCodec(int S, int d, Field field, int coefficient_bound = 2);

  int num_tokens() const { return k_; }
  int vocab_size() const { return vocab_; }
  int alphabet_size() const { return base_; }
  int entries_per_token() const { return d_; }
  int padded_size() const { return S_; }

  // Entries must lie in F and each factor must fit in S (throws std::invalid_argument).
  std::vector<int> encode(const Action& a) const;
  // Decodes for a tensor of mode sizes (d0,d1,d2) <= S. Returns false when an entry that
  // falls in the padding is non-zero (such a token sequence names no action of that tensor).
  bool decode(const std::vector<int>& tokens, int d0, int d1, int d2, Action* out) const;

 private:
  int S_, d_, k_, base_, vocab_, offset_;
};

}  // namespace at
