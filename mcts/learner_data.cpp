// The learner's data side: batches in the published mix (with augmentation) and the checkpoint
// ring (learner.hpp).
#include "mcts/learner.hpp"

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <oneapi/tbb/parallel_for.h>

#include "core/files.hpp"
#include "core/ops.hpp"
#include "mcts/symmetric_game.hpp"

namespace at::mcts {
namespace {

std::string ckpt_name(long step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "ckpt_%08ld", step);
  return buf;
}

// Names "ckpt_<step>" of the checkpoints whose state file exists, newest first.
std::vector<std::string> checkpoint_names(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n.rfind("ckpt_", 0) == 0 && n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0)
        names.push_back(n.substr(0, n.size() - 5));
    }
    ::closedir(d);
  }
  std::sort(names.rbegin(), names.rend());
  return names;
}

}  // namespace

nn::TrainExample Learner::augment(nn::TrainExample e, Rng& rng) const {
  const TensorI8& x = e.state.tensor;
  const Augmentation g = draw_augmentation(x.dim(0), x.dim(1), x.dim(2), cfg_.symmetry, rng);
  e.state.tensor = transform_tensor(x, g.p, g.q, g.r, cfg_.field);
  for (Action& a : e.state.history) a = augment_move(g, a, cfg_.field, cfg_.symmetry);
  const TokenCodec& codec = net_.model().codec();
  for (auto& tok : e.tokens) {
    Action a;
    if (codec.decode(tok, x.dim(0), x.dim(1), x.dim(2), &a)) tok = codec.encode(augment_move(g, a, cfg_.field, cfg_.symmetry));
  }
  return e;
}

std::vector<nn::TrainExample> Learner::make_batch() {
  const double* mix = net_.step() < cfg_.mix_switch_step ? cfg_.mix_early : cfg_.mix_late;
  const int B = cfg_.batch_size;
  // With --polish the best games hold verified polished schemes from the first round on: they get
  // the late share from the start (the published early mix has none).
  const double best_share = polishing_ ? std::max(mix[2], cfg_.mix_late[2]) : mix[2];
  int n_self = int(std::lround(B * mix[0])), n_best = int(std::lround(B * best_share));
  bool any_best = false;
  for (const BestGames& b : best_games_) any_best |= b.games() > 0;
  if (replay_.size() == 0) n_self = 0;
  if (!any_best) n_best = 0;
  const int n_demo = std::max(0, B - n_self - n_best);
  std::vector<nn::TrainExample> batch = replay_.sample(size_t(n_self), rng_);
  for (int i = 0; i < n_best; ++i) {
    const auto& b = best_games_[size_t(rng_.uniform_int(0, int64_t(best_games_.size()) - 1))];
    for (auto& e : b.sample(1, rng_)) batch.push_back(std::move(e));
  }
  // Synthetic demonstrations, generated in parallel from per-sample seeds (deterministic).
  std::vector<uint64_t> seeds(static_cast<size_t>(n_demo));
  for (auto& s : seeds) s = rng_.next();
  std::vector<nn::TrainExample> demos(static_cast<size_t>(n_demo));
  const TokenCodec& codec = net_.model().codec();
  tbb::parallel_for(size_t(0), size_t(n_demo), [&](size_t i) {
    Rng r(seeds[i]);
    const Format& f = cfg_.targets[size_t(r.uniform_int(0, int64_t(cfg_.targets.size()) - 1))];
    const Demonstration d = sample_target_demonstration(f, cfg_.field, cfg_.symmetry, cfg_.demos, r);
    std::vector<nn::TrainExample> ex = nn::demonstration_examples(d, cfg_.field, codec, cfg_.symmetry);
    const size_t k = size_t(r.uniform_int(0, int64_t(ex.size()) - 1));
    demos[i] = std::move(ex[k]);
    if (cfg_.demo_all_remaining)  // the terms left play in any order: each is a right next move
      for (size_t j = k + 1; j < d.actions.size(); ++j) demos[i].tokens.push_back(codec.encode(d.actions[j]));
  });
  for (auto& e : demos) batch.push_back(std::move(e));
  if (cfg_.augment)
    for (auto& e : batch) e = augment(std::move(e), rng_);
  return batch;
}

void Learner::save_checkpoint() {
  const std::string base = checkpoint_dir() + "/" + ckpt_name(net_.step());
  net_.save(base + ".bin");
  nlohmann::json state{{"step", net_.step()}, {"elapsed", progress_.elapsed}, {"games", games_total_},
                       {"simulations", progress_.simulations}, {"rng", rng_.state()}};
  write_file_atomic(base + ".json", state.dump() + "\n");  // written last: a pair is complete
  // Keep the three newest pairs.
  const std::vector<std::string> names = checkpoint_names(checkpoint_dir());
  for (size_t i = 3; i < names.size(); ++i) {
    std::remove((checkpoint_dir() + "/" + names[i] + ".json").c_str());
    std::remove((checkpoint_dir() + "/" + names[i] + ".bin").c_str());
  }
}

bool Learner::resume() {
  const std::vector<std::string> names = checkpoint_names(checkpoint_dir());
  for (const std::string& n : names) {
    const std::string base = checkpoint_dir() + "/" + n;
    try {
      const nlohmann::json state = nlohmann::json::parse(read_file(base + ".json"));
      net_.load(base + ".bin");
      rng_.set_state(state.at("rng").get<std::vector<uint64_t>>());
      elapsed_before_ = state.at("elapsed").get<double>();
      games_total_ = state.at("games").get<long>();
      progress_.simulations = state.value("simulations", 0L);  // absent in older checkpoints
      progress_.elapsed = elapsed_before_;
      return true;
    } catch (const std::exception& e) {
      // Moved aside, so that it neither counts among the newest kept nor is tried again.
      const bool moved = std::rename((base + ".json").c_str(), (base + ".json.damaged").c_str()) == 0;
      std::rename((base + ".bin").c_str(), (base + ".bin.damaged").c_str());
      std::fprintf(stderr, "alphatensor train: warning: skipping checkpoint %s: %s%s\n", base.c_str(), e.what(),
                   moved ? " (moved aside: .damaged)" : "");
    }
  }
  return false;
}

}  // namespace at::mcts
