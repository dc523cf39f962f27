#pragma once
// Runs a shell command in a test and captures its output and exit status.
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace at::test {

struct Run {
  int code;
  std::string out;  // stdout and stderr together
};

inline Run shell(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  BOOST_TEST_REQUIRE(p != nullptr);
  Run r{0, ""};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace at::test
