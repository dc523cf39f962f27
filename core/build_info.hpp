#pragma once
#include <string>
#include <utility>
#include <vector>

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
// data/schemes/*.json as compiled into the binary: (file name, content), sorted by name
// (defined in the generated data_schemes.cpp).
const std::vector<std::pair<std::string, const char*>>& data_schemes();

}  // namespace at
