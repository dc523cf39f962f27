#define BOOST_TEST_MODULE codegen
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cmath>
#include <dirent.h>
#include <stdlib.h>

#include "core/rng.hpp"
#include "tests/codegen/common.hpp"

namespace at::codegen::test {

std::string shared_scheme(const std::string& file) { return std::string(ALPHATENSOR_SHARED_DIR) + "/schemes/" + file; }

std::vector<std::string> z_scheme_files() {
  std::vector<std::string> out;
  const std::string dir = std::string(ALPHATENSOR_SHARED_DIR) + "/schemes";
  DIR* d = ::opendir(dir.c_str());
  BOOST_TEST_REQUIRE(d != nullptr);
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.find("_Z.") != std::string::npos) out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<float> random_matrix(int rows, int cols, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> m(size_t(rows) * size_t(cols));
  for (float& x : m) x = float(rng.uniform01() * 2 - 1);
  return m;
}

double relative_error(const std::vector<float>& x, const std::vector<float>& y) {
  double num = 0, den = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    num += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    den += double(y[i]) * y[i];
  }
  return std::sqrt(num / std::max(den, 1e-300));
}

std::string temp_dir() {
  char tmpl[] = "/tmp/alphatensor_codegen_XXXXXX";
  BOOST_TEST_REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

}  // namespace at::codegen::test
