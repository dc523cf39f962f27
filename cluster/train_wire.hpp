#pragma once
// The byte form of what train's ranks send each other (cluster/train_ranks.cpp): an actor's round
// report and the learner's weights. Little-endian binary as laid out by the writing host (every rank
// of a job runs this binary on one kind of machine); schemes as their JSON text.
#include <string>
#include <vector>

#include "mcts/train_transport.hpp"

namespace at::cluster {

std::string encode_report(const mcts::RoundReport& r);
// Throws std::runtime_error naming `from` on a malformed message.
mcts::RoundReport decode_report(const std::string& bytes, const std::string& from);

std::string encode_weights(long step, const std::vector<float>& params);
// The step; the parameters into *params. Throws std::runtime_error on a malformed message.
long decode_weights(const std::string& bytes, std::vector<float>* params);

}  // namespace at::cluster
