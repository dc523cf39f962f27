#include "mcts/neural.hpp"

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

}  // namespace at::mcts
