// The C API (alphatensor.h): schemes, misuse (NULL, freed and foreign handles, bad names,
// unreadable files) gives a status and a message, never a crash; the version agrees everywhere.
#define BOOST_TEST_MODULE api
#include <alphatensor/alphatensor.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "core/build_info.hpp"
#include "tests/shell.hpp"

namespace {

const std::string data = std::string(ALPHATENSOR_SOURCE_DIR) + "/data/schemes/";

at_scheme* read(const std::string& path) {
  at_scheme* s = nullptr;
  BOOST_TEST_REQUIRE(at_scheme_read(path.c_str(), &s) == AT_OK, at_last_error());
  return s;
}

// A 1x1x1 scheme over Z whose single coefficient product is 2, not 1.
std::string invalid_scheme_file(const std::string& dir) {
  const std::string path = dir + "/bad_1x1x1.json";
  std::ofstream(path) << R"({"n": [1, 1, 1], "m": 1, "u": [[2]], "v": [[1]], "w": [[1]]})";
  return path;
}

}  // namespace

// (alphatensor info and the CMake package: tests/api/install_examples.sh.)
BOOST_AUTO_TEST_CASE(version_agrees_with_build_info_and_header) {
  int major = -1, minor = -1, patch = -1;
  const char* text = nullptr;
  BOOST_TEST(at_version(&major, &minor, &patch, &text) == AT_OK);
  BOOST_TEST(std::string(text) == ALPHATENSOR_VERSION_STRING);
  BOOST_TEST(std::string(text) == at::build_info().version);
  BOOST_TEST(std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch) == text);
  BOOST_TEST(at_version(nullptr, nullptr, nullptr, nullptr) == AT_OK);
}

BOOST_AUTO_TEST_CASE(read_statistics_verify_write) {
  at_scheme* s = read(data + "2x2x2_r7_Z2.json");
  int n = 0, m = 0, p = 0, rank = 0, valid = -1;
  const char* field = nullptr;
  BOOST_TEST(at_scheme_format(s, &n, &m, &p) == AT_OK);
  BOOST_TEST(at_scheme_rank(s, &rank) == AT_OK);
  BOOST_TEST(at_scheme_field(s, &field) == AT_OK);
  BOOST_TEST((n == 2 && m == 2 && p == 2 && rank == 7));
  BOOST_TEST(std::string(field) == "Z2");
  at_scheme_stats st{};
  BOOST_TEST(at_scheme_statistics(s, &st) == AT_OK);
  BOOST_TEST((st.rank == 7 && st.nonzeros > 0 && st.largest_coefficient == 1 && st.largest_denominator == 1));

  BOOST_TEST(at_scheme_verify(s, nullptr, &valid, nullptr, 0) == AT_OK);
  BOOST_TEST(valid == 1);
  char reason[8];
  BOOST_TEST(at_scheme_verify(s, "Z", &valid, reason, sizeof reason) == AT_OK);  // holds only mod 2
  BOOST_TEST(valid == 0);
  BOOST_TEST(std::strlen(reason) == sizeof reason - 1);  // truncated, terminated

  const std::string dir = at::test::temp_dir("alphatensor_api_");
  BOOST_TEST(at_scheme_write(s, (dir + "/s.exp").c_str()) == AT_OK, at_last_error());
  at_scheme* back = read(dir + "/s.exp");
  BOOST_TEST(at_scheme_rank(back, &rank) == AT_OK);
  BOOST_TEST(rank == 7);
  at_scheme* copy = nullptr;
  BOOST_TEST(at_scheme_copy(back, &copy) == AT_OK);
  BOOST_TEST(at_scheme_free(back) == AT_OK);
  BOOST_TEST(at_scheme_rank(copy, &rank) == AT_OK);  // a copy lives on its own
  BOOST_TEST(at_scheme_free(copy) == AT_OK);
  BOOST_TEST(at_scheme_free(s) == AT_OK);
  at::test::shell("rm -rf " + dir);
}

BOOST_AUTO_TEST_CASE(misuse_gives_a_status_and_a_message) {
  at_scheme* s = nullptr;
  int rank = 0, valid = 0;
  BOOST_TEST(at_scheme_read(nullptr, &s) == AT_INVALID_ARGUMENT);
  BOOST_TEST(std::string(at_last_error()).find("path") != std::string::npos);
  BOOST_TEST(at_scheme_read((data + "2x2x2_r7_Z2.json").c_str(), nullptr) == AT_INVALID_ARGUMENT);
  BOOST_TEST(at_scheme_read("/nonexistent/x.json", &s) == AT_INPUT_ERROR);
  BOOST_TEST(std::string(at_last_error()).find("/nonexistent/x.json") != std::string::npos, at_last_error());
  BOOST_TEST(at_scheme_read((std::string(ALPHATENSOR_SOURCE_DIR) + "/README.md").c_str(), &s) == AT_INPUT_ERROR);
  BOOST_TEST(s == nullptr);  // outputs untouched on errors
  BOOST_TEST(at_scheme_naive(0, 2, 2, &s) == AT_INVALID_ARGUMENT);
  BOOST_TEST(at_scheme_naive(17, 1, 1, &s) == AT_INVALID_ARGUMENT);

  // NULL, foreign and freed handles.
  BOOST_TEST(at_scheme_rank(nullptr, &rank) == AT_INVALID_HANDLE);
  int local = 0;
  BOOST_TEST(at_scheme_rank(reinterpret_cast<at_scheme*>(&local), &rank) == AT_INVALID_HANDLE);
  BOOST_TEST(at_scheme_free(reinterpret_cast<at_scheme*>(&local)) == AT_INVALID_HANDLE);
  at_scheme* h = read(data + "2x2x2_r7_Z.json");
  BOOST_TEST(at_scheme_rank(h, nullptr) == AT_INVALID_ARGUMENT);
  BOOST_TEST(at_scheme_verify(h, "Z7", &valid, nullptr, 0) == AT_INVALID_ARGUMENT);
  BOOST_TEST(std::string(at_last_error()).find("Z7") != std::string::npos, at_last_error());
  BOOST_TEST(at_scheme_verify(h, "Z", nullptr, nullptr, 0) == AT_INVALID_ARGUMENT);
  BOOST_TEST(at_scheme_write(h, "/tmp/x.csv") == AT_INVALID_ARGUMENT);
  BOOST_TEST(at_scheme_write(h, "/proc/alphatensor/x.json") == AT_RUNTIME_ERROR);
  BOOST_TEST(at_scheme_write(h, nullptr) == AT_INVALID_ARGUMENT);
  BOOST_TEST(at_scheme_free(h) == AT_OK);
  BOOST_TEST(at_scheme_rank(h, &rank) == AT_INVALID_HANDLE);
  BOOST_TEST(at_scheme_free(h) == AT_INVALID_HANDLE);  // double free
  BOOST_TEST(at_scheme_free(nullptr) == AT_OK);
  BOOST_TEST(at_cancel_set(nullptr) == AT_INVALID_HANDLE);
  BOOST_TEST(at_cancel_set(reinterpret_cast<at_cancel*>(&local)) == AT_INVALID_HANDLE);
  BOOST_TEST(at_improve_options_init(nullptr) == AT_INVALID_ARGUMENT);
  BOOST_TEST(std::string(at_status_name(AT_INVALID_HANDLE)) == "AT_INVALID_HANDLE");
  BOOST_TEST(std::string(at_status_name(static_cast<at_status>(99))) == "unknown status");
}

BOOST_AUTO_TEST_CASE(an_invalid_scheme_is_never_written) {
  const std::string dir = at::test::temp_dir("alphatensor_api_");
  at_scheme* s = read(invalid_scheme_file(dir));
  int valid = 1;
  char reason[200];
  BOOST_TEST(at_scheme_verify(s, nullptr, &valid, reason, sizeof reason) == AT_OK);
  BOOST_TEST(valid == 0);
  BOOST_TEST(std::string(reason).find("expected 1") != std::string::npos, reason);
  BOOST_TEST(at_scheme_write(s, (dir + "/out.json").c_str()) == AT_INVALID_SCHEME);
  BOOST_TEST(!std::ifstream(dir + "/out.json").good());
  at_scheme_free(s);
  at::test::shell("rm -rf " + dir);
}

BOOST_AUTO_TEST_CASE(last_error_is_per_thread) {
  at_scheme* s = nullptr;
  BOOST_TEST(at_scheme_read("/nonexistent/main.json", &s) == AT_INPUT_ERROR);
  std::string other;
  std::thread t([&] {
    at_scheme* t_s = nullptr;
    other = at_last_error();  // nothing failed on this thread yet
    at_scheme_read("/nonexistent/thread.json", &t_s);
  });
  t.join();
  BOOST_TEST(other.empty());
  BOOST_TEST(std::string(at_last_error()).find("main.json") != std::string::npos);
}
