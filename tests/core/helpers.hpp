#pragma once
// Test helpers shared by the core suites.
#include <dirent.h>
#include <algorithm>
#include <string>
#include <vector>

#include "core/builtin.hpp"

inline std::string shared_dir() { return ALPHATENSOR_SHARED_DIR; }

// A scheme that holds mod 3 only: naive 2x2x2 plus three copies of one term (3·t ≡ 0), the last
// copy's u scaled by 7 (≡ 1). Over Z the copies add 9·t, mod 2 they add t.
inline at::Scheme mod3_only_scheme() {
  at::Scheme s = at::naive_scheme(at::Format{2, 2, 2});
  const std::vector<at::Rational> u = {1, 1, 0, 0}, v = {0, 1, 1, 0}, w = {1, 0, 0, -1};
  s.add_term(u, v, w);
  s.add_term(u, v, w);
  s.add_term({7, 7, 0, 0}, v, w);
  return s;
}

// Every scheme file in ../shared/schemes, sorted.
inline std::vector<std::string> shared_scheme_files() {
  std::vector<std::string> out;
  const std::string dir = shared_dir() + "/schemes";
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n.size() > 5 && (n.compare(n.size() - 5, 5, ".json") == 0 || n.compare(n.size() - 4, 4, ".exp") == 0))
        out.push_back(dir + "/" + n);
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}
