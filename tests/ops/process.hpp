#pragma once
// Helpers of the ops suites: temporary folders that clean up, runs of the alphatensor binary
// killed at a given moment.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "tests/shell.hpp"

namespace at::test {

namespace fs = std::filesystem;

// A temporary folder, removed with everything in it.
struct TempDir {
  std::string path = temp_dir("alphatensor_ops_");
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

inline void append(const std::string& p, const std::string& text) {
  std::ofstream(p, std::ios::app | std::ios::binary) << text;
}

// Runs `alphatensor <args>` with stdout and stderr to `log`; kills it with SIGKILL after `kill_after`
// seconds (< 0: waits up to 120 s, then kills). Returns the exit code, or -1 when killed.
inline int run(std::vector<std::string> args, const std::string& log, double kill_after) {
  args.insert(args.begin(), ALPHATENSOR_BINARY);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (std::freopen(log.c_str(), "w", stdout)) ::dup2(::fileno(stdout), 2);
    ::setenv("NO_COLOR", "1", 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(kill_after < 0 ? 120 : kill_after);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= end) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace at::test
