// The emitted sources compile and multiply correctly: C++ with the system g++ (one translation
// unit holding several generated functions, run at test time), CUDA with nvcc (compile only).
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>

#include "codegen/emit.hpp"
#include "core/files.hpp"
#include "core/scheme_io.hpp"
#include "tests/codegen/common.hpp"
#include "tests/shell.hpp"

namespace at::codegen {

namespace {

using at::test::Run;
using at::test::shell;

// Writes the emitted source of a shared scheme file as DIR/NAME.EXT.
void emit_file(const std::string& dir, const std::string& scheme_file, const std::string& name, bool cuda) {
  const Scheme s = read_real_scheme(test::shared_scheme(scheme_file));
  EmitOptions o;
  o.name = name;
  o.levels = 1;
  o.source = scheme_file;
  const Plan plan = build_plan(s);
  write_file_atomic(dir + "/" + name + (cuda ? ".cu" : ".cpp"), cuda ? emit_cuda(s, plan, o) : emit_cpp(s, plan, o));
}

const char* nvcc_path() {
  static const std::string path = [] {
    for (const std::string& p : {std::string(ALPHATENSOR_NVCC), std::string("/usr/local/cuda/bin/nvcc")})
      if (!p.empty() && shell(p + " --version").code == 0) return p;
    return shell("nvcc --version").code == 0 ? std::string("nvcc") : std::string();
  }();
  return path.c_str();
}

struct NvccPresent {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result r(*nvcc_path() != 0);
    if (!r) {
      r.message() << "SKIPPED cuda_output_compiles_with_nvcc: nvcc not found";
      std::printf("SKIPPED cuda_output_compiles_with_nvcc: nvcc not found\n");
    }
    return r;
  }
};

// Driver: for each generated function, odd and even sizes at 1 and 2 levels, its own default base
// and a caller-supplied base, against the generated reference multiply.
const char* const kDriver = R"DRV(
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <vector>
#include "s222.cpp"
#include "s333.cpp"
#include "s444.cpp"
#include "s234.cpp"

typedef void (*api_fn)(const float*, const float*, float*, int, int, int, int, s222_base_fn, float*);
typedef void (*ref_fn)(const float*, const float*, float*, int, int, int);

// A caller's base multiply (naive loops) exercising the accumulate flag.
void my_base(const float* A, long lda, const float* B, long ldb, float* C, long ldc, int n, int m, int p, int acc) {
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < p; ++k) {
      float s = acc ? C[i * ldc + k] : 0.0f;
      for (int j = 0; j < m; ++j) s += A[i * lda + j] * B[j * ldb + k];
      C[i * ldc + k] = s;
    }
}

int check(const char* name, api_fn f, ref_fn ref, int n, int m, int p, int levels, bool own_base) {
  std::vector<float> A(size_t(n) * m), B(size_t(m) * p), C(size_t(n) * p, 7.0f), R(C.size());
  unsigned s = 1u + unsigned(n * 131 + m * 17 + p);
  for (float* v : {A.data(), B.data()})
    for (size_t i = 0; i < (v == A.data() ? A.size() : B.size()); ++i) {
      s = s * 1664525u + 1013904223u;
      v[i] = float(s >> 8) / float(1u << 24) * 2.0f - 1.0f;
    }
  f(A.data(), B.data(), C.data(), n, m, p, levels, own_base ? my_base : nullptr, nullptr);
  ref(A.data(), B.data(), R.data(), n, m, p);
  double num = 0, den = 0;
  for (size_t i = 0; i < R.size(); ++i) {
    num += (double(C[i]) - R[i]) * (double(C[i]) - R[i]);
    den += double(R[i]) * R[i];
  }
  const double err = std::sqrt(num / den);
  const bool ok = err < 1e-5;
  std::printf("%s %s %dx%dx%d levels %d%s: error %.2e\n", ok ? "OK" : "FAIL", name, n, m, p, levels,
              own_base ? " (caller's base)" : "", err);
  return ok ? 0 : 1;
}

int main() {
  struct Case { const char* name; api_fn f; ref_fn ref; int sn, sm, sp; };
  const Case cases[] = {{"s222", s222, s222_reference, 2, 2, 2}, {"s333", s333, s333_reference, 3, 3, 3},
                        {"s444", s444, s444_reference, 4, 4, 4}, {"s234", s234, s234_reference, 2, 3, 4}};
  int bad = 0;
  for (const Case& c : cases) {
    bad += check(c.name, c.f, c.ref, 3 * c.sn, 3 * c.sm, 3 * c.sp, 1, false);
    bad += check(c.name, c.f, c.ref, 2 * c.sn * c.sn + 1, c.sm * c.sm + 2, 2 * c.sp * c.sp + 3, 2, false);
    bad += check(c.name, c.f, c.ref, c.sn + 1, 2 * c.sm + 1, c.sp + 2, 1, true);
  }
  return bad;
}
)DRV";

}  // namespace

BOOST_AUTO_TEST_CASE(cpp_output_compiles_and_multiplies) {
  const std::string dir = test::temp_dir();
  emit_file(dir, "2x2x2_r7_Z.json", "s222", false);
  emit_file(dir, "3x3x3_r23_Z.json", "s333", false);
  emit_file(dir, "4x4x4_r49_Z.json", "s444", false);
  emit_file(dir, "2x3x4_r20_Z.json", "s234", false);
  // The API types of the four files coincide; the driver calls them through one pointer type.
  write_file_atomic(dir + "/driver.cpp", kDriver);
  const Run build = shell("cd " + dir + " && g++ -std=c++17 -O1 -Wall -Wextra -Werror -Wno-cast-function-type " +
                          "driver.cpp -o driver");
  BOOST_TEST_REQUIRE(build.code == 0, build.out);
  const Run run = shell(dir + "/driver");
  BOOST_TEST(run.code == 0, run.out);
  BOOST_TEST(run.out.find("OK s444") != std::string::npos, run.out);
  BOOST_TEST(run.out.find("FAIL") == std::string::npos, run.out);
  shell("rm -rf " + dir);
}

BOOST_AUTO_TEST_CASE(cuda_output_compiles_with_nvcc, *boost::unit_test::precondition(NvccPresent())) {
  const std::string dir = test::temp_dir();
  emit_file(dir, "2x2x2_r7_Z.json", "s222", true);
  emit_file(dir, "4x4x4_r49_Z.json", "s444", true);
  // One translation unit: Strassen's API, then the 4x4x4 file with its main() and the cuBLAS line.
  write_file_atomic(dir + "/both.cu",
                    "#include \"s222.cu\"\n#define ALPHATENSOR_CODEGEN_MAIN\n#define ALPHATENSOR_CODEGEN_CUBLAS\n"
                    "#include \"s444.cu\"\n");
  const Run build = shell(std::string("cd ") + dir + " && " + nvcc_path() +
                          " -std=c++17 -O3 -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 "
                          "-Xcompiler -Wall -c both.cu -o both.o");
  BOOST_TEST(build.code == 0, build.out);
  BOOST_TEST(build.out.find("warning") == std::string::npos, build.out);
  shell("rm -rf " + dir);
}

}  // namespace at::codegen

namespace at::codegen {

BOOST_AUTO_TEST_CASE(cli_codegen_and_bench) {
  const std::string bin = ALPHATENSOR_BINARY, dir = test::temp_dir();
  for (const char* c : {" codegen --help", " bench scheme --help"}) {
    const Run help = shell(bin + c);
    BOOST_TEST(help.code == 0, c);
    BOOST_TEST(help.out.find("Usage: alphatensor") != std::string::npos, help.out);
  }
  const Run z2 = shell(bin + " codegen " + test::shared_scheme("4x4x4_r47_Z2.json") + " -o " + dir + "/x.cpp");
  BOOST_TEST(z2.code == 2, z2.out);
  BOOST_TEST(z2.out.find("mod 2") != std::string::npos, z2.out);
  BOOST_TEST(std::count(z2.out.begin(), z2.out.end(), '\n') == 1, z2.out);
  const Run bench_z2 = shell(bin + " bench scheme " + test::shared_scheme("2x2x2_r7_Z2.json") + " --n 8");
  BOOST_TEST(bench_z2.code == 2, bench_z2.out);
  BOOST_TEST(shell("test -e " + dir + "/x.cpp").code != 0);  // nothing written

  const Run bad_lang = shell(bin + " codegen " + test::shared_scheme("2x2x2_r7_Z.json") + " --lang rust -o " + dir + "/x.rs");
  BOOST_TEST(bad_lang.code == 2, bad_lang.out);
  const Run bad_name = shell(bin + " codegen " + test::shared_scheme("2x2x2_r7_Z.json") + " --name 9x -o " + dir + "/x.cpp");
  BOOST_TEST(bad_name.code == 2, bad_name.out);

  for (const char* lang : {"cpp", "cuda"}) {
    const Run ok = shell(bin + " codegen " + test::shared_scheme("3x3x3_r23_Z.exp") + " --lang " + lang +
                         " --levels 2 --name mm333 -o " + dir + "/mm333." + lang);
    BOOST_TEST(ok.code == 0, ok.out);
    BOOST_TEST(read_file(dir + "/mm333." + lang).find("void mm333(const float* A, const float* B, float* C, int n, int m, int p") !=
               std::string::npos);
  }
  const Run bench = shell(bin + " bench scheme " + test::shared_scheme("2x2x2_r7_Z.json") +
                          " --n 33,64 --levels 1,2 --threads 2 --repeat 1 --json");
  BOOST_TEST(bench.code == 0, bench.out);
  BOOST_TEST(bench.out.find("\"name\":\"2x2x2 rank 7 2x2x2_r7_Z.json n=33 levels=2 relative error\"") != std::string::npos, bench.out);
  BOOST_TEST(bench.out.find("speedup over Eigen") != std::string::npos, bench.out);
  // Several schemes in turns: each also against the first; bad input is one line and exit 2.
  const Run two = shell(bin + " bench scheme " + test::shared_scheme("2x2x2_r7_Z.json") + " " +
                        test::shared_scheme("3x3x3_r23_Z.exp") + " --n 18 --levels 1 --threads 1 --repeat 2");
  BOOST_TEST(two.code == 0, two.out);
  BOOST_TEST(two.out.find("3x3x3 rank 23 3x3x3_r23_Z.exp n=18 levels=1 speedup over 2x2x2 rank 7 2x2x2_r7_Z.json") !=
                 std::string::npos, two.out);
  BOOST_TEST(two.out.find(" worst: ") != std::string::npos, two.out);
  // --cse traffic and --model: the passes alone, the block multiply and the cost model per case.
  const Run model = shell(bin + " bench scheme " + test::shared_scheme("3x3x3_r23_Z.exp") +
                          " --n 18 --levels 1 --threads 1 --repeat 1 --cse traffic --model");
  BOOST_TEST(model.code == 0, model.out);
  BOOST_TEST(model.out.find("block reads+writes 173") != std::string::npos, model.out);
  BOOST_TEST(model.out.find("n=18 levels=1 model / measured (cpu time): ") != std::string::npos, model.out);
  BOOST_TEST(model.out.find("passes alone cpu time per block read/write") != std::string::npos, model.out);
  for (const std::string& bad : {test::shared_scheme("2x2x2_r7_Z.json") + " " + dir + "/missing.json --n 8",
                                 test::shared_scheme("2x2x2_r7_Z.json") + " --n 8,x", test::shared_scheme("2x2x2_r7_Z.json") + " --n 0",
                                 test::shared_scheme("2x2x2_r7_Z.json") + " --repeat 0", std::string("--n 8"),
                                 test::shared_scheme("2x2x2_r7_Z.json") + " --n 8 --cse speed"}) {
    const Run r = shell(bin + " bench scheme " + bad);
    BOOST_TEST(r.code == 2, bad << ": " << r.out);
    BOOST_TEST(std::count(r.out.begin(), r.out.end(), '\n') == 1, bad << ": " << r.out);
  }
  shell("rm -rf " + dir);
}

}  // namespace at::codegen
