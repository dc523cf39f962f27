#include "mcts/polish.hpp"

#include <algorithm>
#include <chrono>

#include "core/ops.hpp"
#include "core/rng.hpp"
#include "improve/lift.hpp"

namespace at::mcts {

Polisher::Polisher(const PolishConfig& cfg, Field field, int target_rank, uint64_t seed)
    : cfg_(cfg), field_(field), target_rank_(target_rank), seed_(seed), arena_(std::max(1, cfg.threads)),
      worker_([this] { work(); }) {}

Polisher::~Polisher() { stop(); }

void Polisher::submit(PolishJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return;
    const int r = job.scheme.rank();
    // Lowest rank first (the likeliest to reach a new best); equal ranks in arrival order.
    auto pos = std::upper_bound(jobs_.begin(), jobs_.end(), r, [](int x, const PolishJob& j) { return x < j.scheme.rank(); });
    jobs_.insert(pos, std::move(job));
    if (int(jobs_.size()) > std::max(1, cfg_.queue_capacity)) {
      jobs_.pop_back();
      ++dropped_;
    }
  }
  cv_.notify_all();
}

std::vector<PolishResult> Polisher::take() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<PolishResult> out;
  out.swap(results_);
  return out;
}

void Polisher::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
    dropped_ += long(jobs_.size());
    jobs_.clear();
    if (current_) current_->stop.store(true);
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

long Polisher::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

bool Polisher::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_ || !jobs_.empty();
}

void Polisher::work() {
  for (uint64_t n = 0;; ++n) {
    PolishJob job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return closing_ || !jobs_.empty(); });
      if (closing_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      running_ = true;
    }
    PolishResult r = polish(job, Rng::stream(seed_, n).next());
    std::lock_guard<std::mutex> lock(mu_);
    results_.push_back(std::move(r));
    running_ = false;
  }
}

Scheme Polisher::walk(const Scheme& start, Field field, double seconds, uint64_t seed) {
  improve::SearchOptions o;
  o.field = field;
  o.target_rank = std::max(0, target_rank_);
  o.pool_size = cfg_.pool_size;
  o.seconds = seconds;
  o.seed = seed;
  // Over Z: ternary when the scheme allows it (fastest), else just wide enough for its coefficients.
  if (field == Field::Z) {
    if (!start.all_integer()) throw std::invalid_argument("non-integer coefficients");
    o.bound = int(std::max<int64_t>(1, start.max_abs_numerator()));
  }
  improve::SearchProgress progress;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return start;
    current_ = &progress;
  }
  const Format& f = start.format;
  if (cfg_.symmetry == Symmetry::Cyclic && f.n == f.m && f.m == f.p && cyclic_orbits(start, field)) o.symmetry = Symmetry::Cyclic;
  Scheme best;
  try {
    best = arena_.execute([&] {
      if (o.symmetry == Symmetry::Cyclic) {
        try {
          return improve::search(start, o, progress);
        } catch (const std::invalid_argument&) {  // e.g. over Z a fixed term that is no x⊗x⊗x
          o.symmetry = Symmetry::None;
        }
      }
      return improve::search(start, o, progress);
    });
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = nullptr;
    throw;
  }
  std::lock_guard<std::mutex> lock(mu_);
  current_ = nullptr;
  best.field = field;
  return best;
}

PolishResult Polisher::polish(const PolishJob& job, uint64_t seed) {
  PolishResult r;
  r.target = job.target;
  r.origin = job.origin;
  r.rank_in = r.rank_out = job.scheme.rank();
  r.scheme = job.scheme;
  const auto t0 = std::chrono::steady_clock::now();
  Scheme best = job.scheme;
  try {
    if (field_ == Field::Z2) {
      best = walk(job.scheme, Field::Z2, cfg_.seconds, seed);
    } else {
      // Over Z, schemes mapped back from random bases have coefficients well beyond {-1,0,1}, where
      // walks rarely find two terms sharing a factor. So half the budget walks mod 2 (many shared
      // factors), the result is Hensel-lifted to Z when it can be, and the rest walks over Z from
      // the lift (or from the scheme itself).
      Scheme start = job.scheme;
      const Scheme mod2 = walk(job.scheme.reduced_mod(Field::Z2), Field::Z2, cfg_.seconds / 2, seed);
      if (mod2.rank() < start.rank()) {
        const improve::LiftResult lift = improve::hensel_lift(mod2);
        if (lift.ok && lift.scheme.all_integer() && verify(lift.scheme, Field::Z).ok) {
          start = lift.scheme;
          start.field = Field::Z;
          r.lifted = true;
        }
      }
      const double left = cfg_.seconds - std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = start;  // kept if the walk below throws
      if (left > 0 && (target_rank_ <= 0 || start.rank() > target_rank_)) best = walk(start, Field::Z, left, seed + 1);
    }
  } catch (const std::invalid_argument& e) {  // e.g. coefficients beyond the widest bound
    r.error = e.what();
  }
  r.done = std::chrono::steady_clock::now();
  r.seconds = std::chrono::duration<double>(r.done - t0).count();
  if (best.rank() < r.rank_in) {
    r.verified = verify(best, field_).ok;
    r.scheme = std::move(best);
    r.rank_out = r.scheme.rank();
  }
  return r;
}

}  // namespace at::mcts
