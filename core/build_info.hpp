#pragma once
#include <string>

namespace at {

struct BuildInfo {
  std::string version, git, build_type, compiler;
  bool cuda_built;
  std::string cuda_version, cuda_architectures, boost_version, tbb_kind;
  bool sanitizers;
};

// Defined in the generated build_info.cpp.
const BuildInfo& build_info();
// data/best_known_ranks.json as compiled into the binary.
const char* best_known_ranks_json();

}  // namespace at
