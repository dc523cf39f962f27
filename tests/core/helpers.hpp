#pragma once
// Test helpers shared by the core suites.
#include <dirent.h>
#include <algorithm>
#include <string>
#include <vector>

inline std::string shared_dir() { return ALPHATENSOR_SHARED_DIR; }

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
