#pragma once
// Helpers shared by the codegen suites: the scheme files of ../shared/schemes and random matrices.
#include <string>
#include <vector>

#include "core/scheme.hpp"

namespace at::codegen::test {

// Every integer ("_Z") scheme file in ../shared/schemes (.json and .exp), sorted.
std::vector<std::string> z_scheme_files();
std::string shared_scheme(const std::string& file);
// Uniform in [-1, 1), deterministic.
std::vector<float> random_matrix(int rows, int cols, uint64_t seed);
// ||x - y|| / ||y||
double relative_error(const std::vector<float>& x, const std::vector<float>& y);
// A fresh folder under /tmp.
std::string temp_dir();

}  // namespace at::codegen::test
