#include "codegen/timing.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <stdexcept>

#include "core/builtin.hpp"
#include "core/rng.hpp"

namespace at::codegen {
namespace {

double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

}  // namespace

Seconds time_once(const std::function<void()>& f) {
  const double c0 = process_cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), process_cpu_seconds() - c0};
}

std::vector<std::vector<Seconds>> time_in_turns(const std::vector<std::function<void()>>& variants, int repeat,
                                                const std::function<void(size_t)>& after_warmup) {
  std::vector<std::vector<Seconds>> out(variants.size());
  for (int round = 0; round <= repeat; ++round)
    for (size_t v = 0; v < variants.size(); ++v) {
      const Seconds t = time_once(variants[v]);
      if (round > 0) out[v].push_back(t);
      else if (after_warmup) after_warmup(v);
    }
  for (auto& t : out) std::sort(t.begin(), t.end(), [](const Seconds& x, const Seconds& y) { return x.wall < y.wall; });
  return out;
}

double median_of_sorted(const std::vector<double>& t) {
  if (t.empty()) throw std::invalid_argument("median of nothing");
  const size_t h = t.size() / 2;
  return t.size() % 2 ? t[h] : 0.5 * (t[h - 1] + t[h]);
}

std::vector<double> walls(const std::vector<Seconds>& t) {
  std::vector<double> w;
  for (const Seconds& s : t) w.push_back(s.wall);
  return w;
}

std::vector<double> cpus(const std::vector<Seconds>& t) {
  std::vector<double> c;
  for (const Seconds& s : t) c.push_back(s.cpu);
  std::sort(c.begin(), c.end());
  return c;
}

void random_operands(int n, std::vector<float>* A, std::vector<float>* B) {
  const size_t count = size_t(n) * size_t(n);
  A->resize(count), B->resize(count);
  Rng rng{uint64_t(n)};
  for (float& x : *A) x = float(rng.uniform01() * 2 - 1);
  for (float& x : *B) x = float(rng.uniform01() * 2 - 1);
}

RuntimeMeter::RuntimeMeter(const RuntimeSetup& setup) : setup_(setup) {
  if (setup_.n < 1 || setup_.levels < 1 || setup_.repeat < 1)
    throw std::invalid_argument("runtime: n, levels and repeat must be >= 1");
  random_operands(setup_.n, &a_, &b_);
  c_.resize(a_.size());
  base_ = std::make_unique<Executor>(build_plan(strassen_scheme()), setup_.threads);
}

RuntimeMeter::~RuntimeMeter() = default;

RuntimeMeasurement RuntimeMeter::measure(const Scheme& s) {
  require_real_scheme(s, "runtime");
  Executor scheme(build_plan(s, setup_.plan), setup_.threads);
  const int n = setup_.n, levels = setup_.levels;
  const auto run = [&](Executor& e, int l) {
    return [&, l] { e.multiply({a_.data(), n}, {b_.data(), n}, {c_.data(), n}, n, n, n, l); };
  };
  const auto t = time_in_turns({run(*base_, 0), run(scheme, levels)}, setup_.repeat);
  RuntimeMeasurement m;
  const std::vector<double> base = walls(t[0]), mine = walls(t[1]);
  m.base_seconds = median_of_sorted(base);
  m.seconds = median_of_sorted(mine);
  m.spread = (mine.back() - mine.front()) / m.seconds;
  return m;
}

}  // namespace at::codegen
