#pragma once
// alphatensor as a C++ library: read, write, convert and verify matrix multiplication schemes, run
// the flip-graph search (`alphatensor improve`) and the discovery from scratch (`alphatensor
// train`), with callbacks and a cancellation token.
//
// Link: find_package(alphatensor CONFIG) and target_link_libraries(app PRIVATE alphatensor::alphatensor).
// This header shows no internal type (the scheme is an opaque, cheaply copyable value). Errors are
// thrown as alphatensor::Error; nothing else leaves a function of this header except std::bad_alloc
// and what your own callbacks throw.
// Threads: distinct objects may be used from distinct threads at once; one Scheme may be read
// from several threads at once (it is immutable).
#include <alphatensor/version.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace alphatensor {

// The version of the library (equal to ALPHATENSOR_VERSION_STRING of the headers it was built with).
std::string version();

// Z: valid over every ring (integer coefficients). Z2, Z3: valid mod 2, mod 3. Q: rational
// coefficients, valid in characteristic 0.
enum class Field { Z, Z2, Z3, Q };
std::string field_name(Field f);
// "Z", "Z2", "Z3", "Q" (also "mod2", "GF2", "mod3", "GF3"); throws Error(Status::InvalidArgument).
Field parse_field(const std::string& name);

// The same codes as the C API (at_status).
enum class Status {
  Ok = 0,
  InvalidArgument = 1,  // a bad value from the caller (field name, format, option)
  InputError = 2,       // unreadable or malformed scheme file
  InvalidScheme = 3,    // the scheme does not hold in the requested field (nothing written)
  Runtime = 4,          // anything else (disk full, ...)
};

class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const { return status_; }

 private:
  Status status_;
};

struct Format {
  int n = 0, m = 0, p = 0;  // A is n×m, B is m×p
};
std::string to_string(const Format& f);  // "2x3x4"
// "2x3x4" or "2,3,4", each dimension 1..16; throws Error(Status::InvalidArgument).
Format parse_format(const std::string& text);

struct Verification {
  bool valid = false;
  Field field = Field::Z;  // the arithmetic checked
  std::string error;       // the first wrong entry when not valid, e.g. "a12·b21 → c11: expected 1, found 0"
};

struct Statistics {
  Format format;
  Field field = Field::Z;         // the arithmetic the scheme claims
  int rank = 0;                   // number of products
  long nonzeros = 0;              // non-zero coefficients of u, v and w
  long additions = 0;             // additions of the naive evaluation
  long additions_cse = 0;         // additions after common-subexpression elimination (codegen's plan)
  int64_t largest_coefficient = 0;  // largest |numerator|
  int64_t largest_denominator = 1;  // 1 for an integer scheme
};

// Cyclic symmetry (u, v, w) -> (v, w, u) of a square format's scheme, in a given arithmetic.
struct Cyclic {
  bool square = false;     // n = m = p (otherwise the rest is empty)
  bool invariant = false;  // the shift maps the terms to themselves (up to the scaling of each term)
  int fixed_terms = 0;     // terms x⊗x⊗x
  int orbits = 0;          // orbits of three terms
  std::string summary;     // "cyclic-invariant: yes (F fixed, K orbits)", "cyclic-invariant: no" or ""
};

class Scheme {
 public:
  Scheme();  // empty (rank 0, format 0x0x0)
  // Reads a .json, .exp or .txt file (by extension). Throws Error(InputError) naming the file.
  static Scheme read(const std::string& path);
  // The schoolbook scheme of rank n·m·p, and Strassen's 2×2×2 of rank 7 (both over Z).
  static Scheme naive(Format f);
  static Scheme strassen();

  Format format() const;
  Field field() const;
  int rank() const;
  Statistics statistics() const;
  // Exact check in the scheme's own field, or in `over`.
  Verification verify() const;
  Verification verify(Field over) const;
  Cyclic cyclic(Field over) const;
  // Verifies in the scheme's field, then writes atomically (.json, .exp or .txt by extension). Throws
  // Error(InvalidScheme) without writing when it does not hold, Error(InvalidArgument) for an
  // unknown extension.
  void write(const std::string& path) const;
  std::string to_json() const;

  struct Impl;  // opaque; shared, immutable
  explicit Scheme(std::shared_ptr<const Impl> impl);
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

// Reads `in`, verifies it in its own field and writes `out` (.json, .exp, .txt). Throws
// Error(InvalidScheme) when it does not hold, nothing written. Returns the scheme.
Scheme convert(const std::string& in, const std::string& out);

// Cancels a running improve or train from any thread (or a signal handler: cancel() is lock-free). Copies
// share one flag. The run stops within a second of cancel().
class CancelToken {
 public:
  CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void cancel() const { flag_->store(true); }
  bool cancelled() const { return flag_->load(); }
  const std::atomic<bool>& flag() const { return *flag_; }  // what a run polls (every 100 ms)

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

// Flip-graph search (alphatensor improve): random walks on schemes of the start's format.
struct ImproveOptions {
  Field field = Field::Z2;     // Z2, Z3 or Z (bounded integers)
  int bound = 1;               // over Z: largest |coefficient|
  int target_rank = 0;         // stop once reached (0: none)
  double seconds = 60;         // stop after this long (0: no limit; then set a target, generations or cancel)
  long max_generations = 0;    // stop after this many pool generations (0: no limit)
  uint64_t seed = 1;
  int threads = 0;             // worker threads of this run (0: all cores)
  int pool_size = 0;           // walks per generation (0: max(8, threads))
  int pool_enough = 1;         // distinct lower-rank schemes before the pool moves down
  long walk_flips = 0;         // flips per walk (0: automatic)
  long plus_after = 0;         // flips without a reduction before a plus transition (0: automatic, <0: never)
  std::string out_dir;         // non-empty: every new best is verified and written to out_dir/schemes/
  std::string metrics_path;    // non-empty: JSON lines appended (start, best, progress every 10 s, done)
  double progress_interval = 0.5;  // seconds between progress callbacks
};

struct ImproveProgress {
  double seconds = 0;
  long flips = 0;
  double flips_per_second = 0;  // since the previous report
  int best_rank = 0;
  long generations = 0;
};

struct ImproveCallbacks {
  // Every progress_interval seconds, from one thread of the run (never two calls at once).
  std::function<void(const ImproveProgress&)> on_progress;
  // Every new best rank (verified exactly; the start first), in order, from the same thread.
  std::function<void(const Scheme& best, double seconds)> on_best;
};

struct ImproveResult {
  Scheme best;             // verified in options.field
  std::string best_path;   // its file under out_dir ("" without out_dir)
  double seconds = 0;
  long flips = 0;
  int threads = 0;         // worker threads used
  std::string stopped_by;  // "target", "limit" (time), "generations" or "cancel"
};

// Runs the search from `start` (which must hold in options.field). Throws Error(InvalidArgument)
// for bad options or a start that does not fit the flip graph, Error(InvalidScheme) when the start
// does not hold. An exception thrown by a callback stops the run (it cancels `cancel`) and is
// rethrown here. Several runs may go on at once in one process, each in its calling thread.
ImproveResult improve(const Scheme& start, const ImproveOptions& options, const ImproveCallbacks& callbacks = {},
                      const CancelToken& cancel = CancelToken());

// Discovery from nothing but the target tensors (alphatensor train, the same loop): games played
// with the search guided by a network that learns from them and from synthetic demonstrations;
// every scheme found is verified exactly and written to out_dir/schemes/. The network runs on the
// CPU here (the binary's `alphatensor train --device cuda` runs it on a GPU).
struct TrainOptions {
  std::vector<Format> targets = {{2, 2, 2}};  // one network for all of them
  Field field = Field::Z;          // Z (coefficients -2..2) or Z2
  std::string preset = "small";    // network and loop sizes: "small" (a 2-core CPU) or "paper"
  std::vector<std::string> network;  // network settings "key=value" over the preset's (alphatensor model info)
  uint64_t seed = 1;               // same seed, same run
  double seconds = 600;            // time limit in total over resumed runs (0: none)
  int target_rank = 0;             // stop once every target has a scheme of this rank (0: none)
  long max_steps = -1;             // stop after this many learner steps (-1: none)
  std::string out_dir = "out";     // schemes/, checkpoints/, metrics.jsonl
  bool resume = false;             // continue from the newest valid checkpoint in out_dir
  int threads = 0;                 // compute threads (0: SLURM_CPUS_PER_TASK, else all cores)
  bool polish = false;             // flip-graph walks from every scheme found; their finds are kept and trained on
  int polish_threads = 1;
  double polish_seconds = 5;       // flip-graph time per scheme
  // Loop sizes over the preset's (0: the preset's).
  int simulations = 0;             // search simulations per move
  int samples = 0;                 // actions sampled per expansion
  int games_per_iteration = 0;     // self-play games between learner rounds
  int steps_per_iteration = 0;     // learner steps per round
  int batch_size = 0;              // learner batch
};

struct TargetRank {
  Format target;
  int rank = 0;  // best rank found in out_dir (also by earlier runs); 0: none yet
};

struct TrainProgress {
  long step = 0;               // learner steps (over resumed runs)
  long games = 0;              // games played (over resumed runs)
  double seconds = 0;          // over resumed runs
  double games_per_second = 0; // of the last round
  double policy_loss = 0, value_loss = 0;  // of the last learner step
  std::vector<TargetRank> best;  // per target, in the order of options.targets
};

struct TrainFound {
  Scheme scheme;         // verified in options.field, canonical basis
  Format target;
  int rank = 0;
  std::string path;      // its file under out_dir/schemes/
  std::string source;    // "selfplay" (a solved game), "completion" (a cut game completed) or "polish"
  double seconds = 0;    // into the run (over resumed runs)
};

struct TrainCallbacks {
  // After every round of games and learner steps, and once at the end; from the calling thread.
  std::function<void(const TrainProgress&)> on_progress;
  // Every new best scheme of a target (verified and written), from the calling thread.
  std::function<void(const TrainFound&)> on_best;
};

struct TrainResult {
  TrainProgress last;          // the final report
  std::string stopped_by;      // "target", "steps", "limit" (time, also when used up before) or "cancel"
  std::string checkpoint_dir;  // out_dir/checkpoints: written at the end (resume from it)
};

// Runs the training loop in the calling thread until the time limit, max_steps, the target rank or
// `cancel` (it stops within a second, after writing a checkpoint). Throws Error(InvalidArgument)
// for bad options (field, preset, network setting, sizes), Error(Runtime) for a failing disk. An
// exception thrown by a callback stops the run (it cancels `cancel`; the checkpoint is written)
// and is rethrown here. Runs in one process must use distinct out_dirs.
TrainResult train(const TrainOptions& options, const TrainCallbacks& callbacks = {},
                  const CancelToken& cancel = CancelToken());

}  // namespace alphatensor
