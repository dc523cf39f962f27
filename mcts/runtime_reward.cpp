#include "mcts/runtime_reward.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "core/scheme_store.hpp"

namespace at::mcts {

RuntimeReward::RuntimeReward(RuntimeRewardConfig cfg) : cfg_(std::move(cfg)) {
  if (!cfg_.cache_path.empty()) {
    repair_last_line(cfg_.cache_path);  // a run killed mid-append
    for_each_line(cfg_.cache_path, [&](const std::string& line) {
      try {
        const nlohmann::json j = nlohmann::json::parse(line);
        if (j.at("setup").get<std::string>() == cfg_.setup) ratio_[j.at("hash").get<uint64_t>()] = j.at("ratio").get<double>();
      } catch (const std::exception&) {  // a damaged or foreign line
      }
    });
  }
  counts_.cached = long(ratio_.size());
  thread_ = std::thread([this] { loop(); });
}

RuntimeReward::~RuntimeReward() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::optional<double> RuntimeReward::reward(const Scheme& s) {
  const uint64_t h = scheme_hash(s);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ratio_.find(h);
  if (it != ratio_.end()) return std::isnan(it->second) ? 0.0 : -cfg_.weight * it->second;
  if (queued_.insert(h).second) {
    queue_.emplace_back(h, s);
    cv_.notify_all();
  }
  return std::nullopt;
}

void RuntimeReward::hold(const Scheme& s, HeldGame g) {
  std::lock_guard<std::mutex> lock(mu_);
  held_.emplace_back(scheme_hash(s), std::move(g));
  if (held_.size() > cfg_.max_held) {
    held_.pop_front();
    ++counts_.dropped;
  }
}

std::vector<std::pair<HeldGame, double>> RuntimeReward::take_ready() {
  std::vector<std::pair<HeldGame, double>> out;
  std::lock_guard<std::mutex> lock(mu_);
  std::deque<std::pair<uint64_t, HeldGame>> waiting;
  for (auto& [h, g] : held_) {
    auto it = ratio_.find(h);
    if (it == ratio_.end()) waiting.emplace_back(h, std::move(g));
    else out.emplace_back(std::move(g), std::isnan(it->second) ? 0.0 : -cfg_.weight * it->second);
  }
  held_.swap(waiting);
  return out;
}

void RuntimeReward::wait_idle() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

RuntimeReward::Counts RuntimeReward::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  Counts c = counts_;
  c.held = long(held_.size());
  return c;
}

void RuntimeReward::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return done_ || !queue_.empty(); });
    if (done_) return;
    auto [h, s] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    double ratio = std::nan("");
    try {
      ratio = cfg_.timer(s);
      if (!cfg_.cache_path.empty())
        append_line(cfg_.cache_path, nlohmann::json{{"hash", h}, {"ratio", ratio}, {"setup", cfg_.setup}}.dump());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "alphatensor train: warning: timing a %s scheme of rank %d failed (no runtime term for it): %s\n",
                   s.format.str().c_str(), s.rank(), e.what());
    }
    lock.lock();
    ratio_[h] = ratio;
    queued_.erase(h);
    ++(std::isnan(ratio) ? counts_.failed : counts_.timed);
    counts_.cached = long(ratio_.size());
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace at::mcts
