#include "core/memory.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace at {
namespace {

// The value in kB of `key` in a /proc "Key:   123 kB" file, in bytes; 0 when absent.
size_t proc_kb(const char* file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, key.size() + 1, key + ":") == 0) return size_t(std::stoull(line.substr(key.size() + 1))) * 1024;
  return 0;
}

// A number read from a cgroup file; 0 when missing or "max" (no limit).
size_t read_number(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  if (!(in >> s) || s == "max") return 0;
  try {
    return size_t(std::stoull(s));
  } catch (const std::exception&) {
    return 0;
  }
}

// Headroom under this process's cgroup memory limit; 0 when there is no limit.
size_t cgroup_headroom() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    // v2: "0::/path"; v1: "N:memory:/path" (or a list of controllers containing memory).
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    size_t limit = 0, used = 0;
    if (controllers.empty()) {
      limit = read_number("/sys/fs/cgroup" + path + "/memory.max");
      used = read_number("/sys/fs/cgroup" + path + "/memory.current");
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      for (const std::string& root : {"/sys/fs/cgroup/memory" + path, std::string("/sys/fs/cgroup/memory")}) {
        limit = read_number(root + "/memory.limit_in_bytes");
        used = read_number(root + "/memory.usage_in_bytes");
        if (limit) break;
      }
      if (limit >= (size_t(1) << 60)) limit = 0;  // v1 writes "no limit" as a huge number
    }
    if (limit) return limit > used ? limit - used : 0;
  }
  return 0;
}

}  // namespace

size_t available_memory_bytes() {
  const size_t avail = proc_kb("/proc/meminfo", "MemAvailable"), headroom = cgroup_headroom();
  if (headroom && (avail == 0 || headroom < avail)) return headroom;
  return avail;
}

size_t resident_bytes() { return proc_kb("/proc/self/status", "VmRSS"); }

size_t peak_resident_bytes() {
  if (const size_t hwm = proc_kb("/proc/self/status", "VmHWM")) return hwm;
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return size_t(u.ru_maxrss) * 1024;
}

bool reset_peak_resident() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return bool(out);
}

}  // namespace at
