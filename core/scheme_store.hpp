#pragma once
// Where found schemes go (training, search, improve): OUT/schemes/<n>x<m>x<p>_r<R>_<field>.json
// holds the best scheme per (format, field), written atomically, and OUT/schemes/found.jsonl is
// an append-only log of every new best and every distinct scheme of the best rank, each line with
// its "additions" (after common-subexpression elimination, core/cse.hpp). Offers by additions
// (improve --objective additions) also keep OUT/schemes/<n>x<m>x<p>_r<R>_<field>_fewest_additions.json,
// the scheme of the best rank with the fewest additions, and log each one that lowers them with
// "objective": "additions". Every scheme is verified exactly right before it is written.
// Thread-safe.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/scheme.hpp"

namespace at {

class SchemeStore {
 public:
  // Loads the best ranks already in OUT/schemes (so a resumed run keeps its records).
  explicit SchemeStore(const std::string& out_dir);

  enum class Outcome { Invalid, NotBetter, Duplicate, NewDistinct, NewBest, FewerAdditions };
  // Verifies s in its field; records it if it is a new best or a new distinct best-rank scheme.
  // `source` is free text for the log (e.g. "selfplay step 1200"). by_additions: a scheme of the
  // best rank with fewer additions than any recorded at it is FewerAdditions (written to
  // additions_path_for, logged), and a new best also goes to additions_path_for.
  Outcome offer(const Scheme& s, const std::string& source, bool by_additions = false);
  // Best rank recorded for (format, field), or -1.
  int best_rank(const Format& f, Field field) const;
  std::string path_for(const Format& f, int rank, Field field) const;
  std::string additions_path_for(const Format& f, int rank, Field field) const;
  std::string log_path() const { return dir_ + "/found.jsonl"; }

 private:
  std::string dir_;
  mutable std::mutex mu_;  // guards best_ and seen_
  std::map<std::pair<std::string, int>, int> best_;  // (format, field) -> best rank
  std::map<std::pair<std::string, int>, std::pair<int, long>> fewest_;  // (format, field) -> (rank, additions) recorded
  std::set<uint64_t> seen_;                          // hashes of recorded best-rank schemes
};

// One line of OUT/schemes/found.jsonl (the scheme itself is not kept).
struct FoundEntry {
  std::string format;  // "2x3x4"
  Field field = Field::Z;
  int rank = 0;
  std::string source;
};
// The lines of DIR/found.jsonl (DIR is the schemes folder) in order; a missing log gives none,
// and a damaged line (e.g. cut by a kill) is skipped.
std::vector<FoundEntry> read_found_log(const std::string& schemes_dir);
// Sources that mark a scheme as copied from a seed rather than found (campaign seeds from data/
// or from a user's folder): they start with this prefix.
constexpr const char* kCopiedSourcePrefix = "copied seed";

// Order-independent hash of a scheme's terms (for telling distinct schemes apart).
uint64_t scheme_hash(const Scheme& s);

}  // namespace at
