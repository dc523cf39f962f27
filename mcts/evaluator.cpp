#include "mcts/evaluator.hpp"

#include <stdexcept>

namespace at::mcts {

Answer DirectEvaluator::evaluate(const Query& q) {
  std::vector<Answer> out;
  net_.evaluate({&q}, out);
  ++queries_;
  return std::move(out[0]);
}

EvaluatorStats DirectEvaluator::stats() const {
  EvaluatorStats s;
  s.queries = s.batches = queries_.load();
  return s;
}

PooledEvaluator::PooledEvaluator(const std::vector<Network*>& nets) : free_(nets) {
  if (nets.empty()) throw std::invalid_argument("pooled evaluator: no network");
}

Answer PooledEvaluator::evaluate(const Query& q) {
  Network* net = nullptr;
  {
    std::unique_lock<std::mutex> lock(mu_);
    returned_.wait(lock, [&] { return !free_.empty(); });
    net = free_.back();
    free_.pop_back();
  }
  std::vector<Answer> out;
  const auto t0 = std::chrono::steady_clock::now();
  std::exception_ptr error;
  try {
    net->evaluate({&q}, out);
  } catch (...) {
    error = std::current_exception();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(net);
    ++stats_.queries;
    ++stats_.batches;
    stats_.network_seconds += secs;
  }
  returned_.notify_one();
  if (error) std::rethrow_exception(error);
  return std::move(out[0]);
}

EvaluatorStats PooledEvaluator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

BatchingEvaluator::BatchingEvaluator(Network& net, int max_batch, std::chrono::microseconds max_wait)
    : BatchingEvaluator(std::vector<Network*>{&net}, max_batch, max_wait) {}

BatchingEvaluator::BatchingEvaluator(const std::vector<Network*>& nets, int max_batch, std::chrono::microseconds max_wait)
    : max_batch_(max_batch < 1 ? 1 : max_batch), max_wait_(max_wait) {
  if (nets.empty()) throw std::invalid_argument("batching evaluator: no network");
  for (Network* net : nets) dispatchers_.emplace_back([this, net] { dispatch_loop(*net); });
}

BatchingEvaluator::~BatchingEvaluator() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_.notify_all();
  for (std::thread& t : dispatchers_) t.join();
}

EvaluatorStats BatchingEvaluator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Answer BatchingEvaluator::evaluate(const Query& q) {
  Pending p;
  p.query = &q;
  std::unique_lock<std::mutex> lock(mu_);
  p.since = std::chrono::steady_clock::now();
  queue_.push_back(&p);
  if (int(queue_.size()) >= max_batch_ || queue_.size() == 1) work_.notify_one();
  ready_.wait(lock, [&] { return p.done; });
  if (p.error) std::rethrow_exception(p.error);
  return std::move(p.answer);
}

void BatchingEvaluator::dispatch_loop(Network& net) {
  std::vector<Pending*> batch;
  std::vector<const Query*> queries;
  std::vector<Answer> answers;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_ && queue_.empty()) return;
    // Wait for a full batch, but never longer than max_wait after the oldest query arrived.
    const auto deadline = queue_.front()->since + max_wait_;
    work_.wait_until(lock, deadline, [&] { return stop_ || int(queue_.size()) >= max_batch_; });
    if (queue_.empty()) continue;  // another dispatcher took them
    batch.clear();
    while (!queue_.empty() && int(batch.size()) < max_batch_) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    queries.clear();
    for (Pending* p : batch) queries.push_back(p->query);
    std::exception_ptr error;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      net.evaluate(queries, answers);
    } catch (...) {
      error = std::current_exception();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    lock.lock();
    for (size_t i = 0; i < batch.size(); ++i) {
      if (error) batch[i]->error = error;
      else batch[i]->answer = std::move(answers[i]);
      batch[i]->done = true;
    }
    stats_.queries += long(batch.size());
    stats_.batches += 1;
    stats_.network_seconds += secs;
    ready_.notify_all();
  }
}

}  // namespace at::mcts
