#include "mcts/neural.hpp"

#include <algorithm>
#include <string>

#include "kernels/nvtx.hpp"

namespace at::mcts {

void NeuralNetwork::evaluate(const std::vector<const Query*>& batch, std::vector<Answer>& out) {
  std::vector<nn::NetState> states(batch.size());
  std::vector<const nn::NetState*> ptrs;
  std::vector<uint64_t> seeds;
  for (size_t i = 0; i < batch.size(); ++i) {
    states[i].tensor = batch[i]->state;
    states[i].history = batch[i]->history;
    states[i].move = batch[i]->move;
    ptrs.push_back(&states[i]);
    seeds.push_back(batch[i]->seed);
  }
  const NvtxRange range("search batch");
  std::vector<nn::Evaluation> ev;
  auto run = [&] { ev = net_.evaluate(ptrs, k_, temperature_, seeds); };
  if (arena_) arena_->execute(run);
  else run();
  out.resize(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    Answer& a = out[i];
    a.value = float(ev[i].value);
    a.actions = ev[i].actions;
    a.priors.assign(ev[i].probs.begin(), ev[i].probs.end());
    for (Action& x : a.actions) canonicalize(x, batch[i]->field);
  }
}

NeuralReplicas::NeuralReplicas(nn::Network& net, int count, int samples, double temperature, tbb::task_arena* arena)
    : net_(net),
      threads_per_network_(count > 1 ? 1 : arena ? arena->max_concurrency() : tbb::this_task_arena::max_concurrency()) {
  if (count <= 1) {
    wrappers_.push_back(std::make_unique<NeuralNetwork>(net, samples, temperature, arena));
    return;
  }
  for (int i = 0; i < count; ++i) {
    backends_.push_back(std::make_unique<nn::CpuBackend<float>>());
    copies_.push_back(std::make_unique<nn::Network>(net.config(), *backends_.back(), 0));
    arenas_.push_back(std::make_unique<tbb::task_arena>(1));
    wrappers_.push_back(std::make_unique<NeuralNetwork>(*copies_.back(), samples, temperature, arenas_.back().get()));
  }
  sync();
}

std::vector<Network*> NeuralReplicas::networks() {
  std::vector<Network*> out;
  for (const auto& w : wrappers_) out.push_back(w.get());
  return out;
}

void NeuralReplicas::sync() {
  if (copies_.empty()) return;
  const std::vector<float> p = net_.get_params();
  for (const auto& c : copies_) c->set_params(p);
}

std::unique_ptr<Evaluator> NeuralReplicas::evaluator(int callers, std::chrono::microseconds wait) {
  if (small_on_cpu(net_) && threads_per_network_ == 1) return std::make_unique<PooledEvaluator>(networks());
  return std::make_unique<BatchingEvaluator>(networks(), (std::max(1, callers) + count() - 1) / count(), wait);
}

bool small_on_cpu(nn::Network& net) {
  return std::string(net.model().backend().name()) == "cpu" && net.model().num_params() < 4000000;
}

int default_replicas(nn::Network& net, int threads) { return small_on_cpu(net) ? std::max(1, threads) : 1; }

}  // namespace at::mcts
