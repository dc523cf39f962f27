#pragma once
// A discovery campaign: flip-graph searches over many formats in one run, each format seeded
// from the best schemes found so far for smaller ones (direct sums along each axis, Kronecker
// products, extensions, projections, format permutations), optionally from data/ and from the
// user's folders. Formats are worked on parts first; a format is revisited when one of its parts
// improves; formats at their best known rank get no more time, the others share it by size.
//
// Everything goes to OUT: OUT/schemes/ (SchemeStore: best per format, verified, atomic, with
// found.jsonl), OUT/metrics.jsonl (schedule, every decision, every find), OUT/campaign.json (the
// scheduler's state, written atomically after each visit, so --resume goes on with the same
// schedule; a killed visit is redone with the same seed, and no find is lost since each one is
// stored, fsynced, before the walks go on).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/scheme.hpp"
#include "improve/run.hpp"

namespace at::improve {

// "all<=N" (every sorted format 2 <= n <= m <= p <= N) or "n,m,p" / "nxmxp" (sorted). Throws
// std::invalid_argument.
std::vector<Format> parse_formats(const std::string& spec);

// Where a known scheme came from. Copied seeds (data/, --from-dir) are never reported as ours;
// a construction is ours when all its parts are.
struct Known {
  Scheme scheme;       // in the campaign's field, sorted format
  bool ours = true;
  std::string origin;  // "naive", "data 3x3x3_r23_Z2.json", "found", ...
};
// Best known scheme per sorted format.
using KnownMap = std::map<Format, Known>;

struct Candidate {
  Scheme scheme;       // valid in the campaign's field, the format asked for
  bool ours = true;
  std::string origin;  // e.g. "sum axis 0 of 2x3x5 + 3x3x5", "product 2x2x2 (x) 2x2x2"
};

// Brings s into `field` for the flip graph: reduced mod p for Z2/Z3 (when valid there), integer
// with |coefficients| <= bound over Z. False when it does not fit.
bool to_campaign_field(Scheme& s, Field field, int bound);

// Start candidates for sorted format f, built from `known` (parts in other formats) and `known`'s
// own entry for f, plus the naive scheme; valid in `field`, distinct, sorted by rank (ours first
// among equals).
std::vector<Candidate> seed_candidates(const Format& f, const KnownMap& known, Field field, int bound);

// The sorted formats whose schemes seed_candidates(f) combines (sum parts, product factors, the
// formats extend starts from and project starts from), without f and without formats that have
// a dimension 1.
std::vector<Format> parts_of(const Format& f);

// Parts first: increasing naive rank (every sum part, product factor and extension source of a
// format has a smaller naive rank), then by format.
std::vector<Format> schedule_order(std::vector<Format> formats);

// Which format to visit next. Deterministic: the choice depends only on the visits so far, the
// revisit marks, which formats are open (above their best known rank) and the time each has used.
class Schedule {
 public:
  using OpenFn = std::function<bool(const Format&)>;
  using UsedFn = std::function<double(const Format&)>;
  explicit Schedule(const std::vector<Format>& formats) : order_(schedule_order(formats)) {}
  const std::vector<Format>& order() const { return order_; }
  // The first open format (in order) marked for a revisit, else the first never visited, else the
  // one that has used the least of its claim (`used`: its time so far over its share; the first
  // in order among equals); `reason` says which. False when no format is open.
  bool next(const OpenFn& open, const UsedFn& used, Format& f, std::string& reason) const;
  // Counts a visit of f; when it improved f, marks every format of the schedule that f is a part
  // of and that `worth_it` accepts (the campaign: open, and its best start is now below its best
  // rank) for a revisit, and returns them.
  std::vector<Format> visited(const Format& f, bool improved, const OpenFn& worth_it);
  int visits(const Format& f) const;
  nlohmann::json to_json() const;  // {"visits": {...}, "revisit": [...]}
  void from_json(const nlohmann::json& j);

 private:
  std::vector<Format> order_;
  std::map<Format, int> visits_;
  std::set<Format> revisit_;
};

// A campaign over the ranks of an MPI job (the command sets it; this library knows no MPI). Every
// rank runs the same schedule; each visit's search runs on all ranks through `run`, and `agree`
// hands every rank rank 0's bytes, so the start state and each visit's outcome (its best, whether
// it stalled or was stopped, its time) are rank 0's on every rank. Rank 0 alone writes (schemes,
// metrics, campaign.json), lifts and reports; a signal on any rank stops the job through `run`.
struct CampaignRanks {
  bool root = true;
  // Collective (every rank calls it, in the same order): returns rank 0's bytes.
  std::function<std::string(const std::string& bytes)> agree;
  // Collective: the visit's search on every rank; rank 0's result holds the job's best, and
  // stopped_by is the job's reason on every rank.
  std::function<RunResult(const Scheme& start, const RunOptions&, const RunEvents&, const std::atomic<bool>* cancel)> run;
  bool spread() const { return bool(agree); }
};

struct CampaignOptions {
  std::vector<Format> formats;  // sorted formats
  Field field = Field::Z2;
  int bound = 1;                // over Z: largest |coefficient|
  double seconds = 3600;        // total time of the campaign
  std::string out;
  std::vector<std::string> from_dirs;  // schemes (.json, .exp, .txt) the user offers as seeds
  bool seed_from_data = false;  // also seed from data/schemes (embedded); recorded as copied
  bool resume = false;
  int threads = 1;
  int pool_size = 8;
  uint64_t seed = 1;
  int rotate = 3;               // visits rotate over up to this many candidates: the lowest-rank ones and the naive one
  double min_slice = 2;         // seconds: no visit is shorter
  double min_stall = 15;        // seconds: a visit ends after this long without a lower rank
  bool lift = true;             // after a GF(2)/GF(3) improvement: Hensel lift to Z (or Q)
  CampaignRanks ranks;          // default: one process
};

// Best known rank of sorted format f for the field (data/best_known_ranks.json: best_Z2, best_Z;
// for Z3 the best over any field); the naive rank when not listed.
int best_known_rank(const Format& f, Field field);

// Runs the campaign until every format is at its best known rank, the time is spent or `stop`
// is set. `on_event` sees every line written to metrics.jsonl (for progress output). Throws
// InputError for unreadable --from-dir folders or a --resume that does not match the options.
// Returns true when it was stopped by `stop`.
bool run_campaign(const CampaignOptions& options, const std::atomic<bool>& stop,
                  const std::function<void(const nlohmann::json&)>& on_event = {});

}  // namespace at::improve
