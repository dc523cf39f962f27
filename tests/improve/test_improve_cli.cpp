// End to end: alphatensor improve writes verified schemes into its output folder; lift; signals.
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/shell.hpp"

namespace {

using at::test::Run;

Run sh(const std::string& command) { return at::test::shell(command); }

Run run(const std::string& args) { return sh(std::string(ALPHATENSOR_BINARY) + " " + args); }

std::string temp_dir() { return at::test::temp_dir("alphatensor_improve_"); }

using at::test::slurp;

const std::string schemes = std::string(ALPHATENSOR_SHARED_DIR) + "/schemes/";

}  // namespace

BOOST_AUTO_TEST_CASE(help) {
  for (const char* c : {"improve", "lift", "bench improve"}) {
    const Run r = run(std::string(c) + " --help");
    BOOST_TEST(r.code == 0, c);
    BOOST_TEST(r.out.find("Usage: alphatensor") != std::string::npos, c);
  }
}

BOOST_AUTO_TEST_CASE(improve_writes_verified_schemes) {
  const std::string dir = temp_dir();
  for (const char* field : {"Z2", "Z"}) {
    const Run r = run("improve --format 3,3,3 --field " + std::string(field) + " --target-rank 23 --threads 1 --seed 2 --out " +
                      dir + " --time-limit 60s --json-metrics " + dir + "/metrics.jsonl");
    BOOST_TEST_REQUIRE(r.code == 0, r.out);
    BOOST_TEST(r.out.find("best rank 23") != std::string::npos, r.out);
    const std::string file = dir + "/schemes/3x3x3_r23_" + field + ".json";
    const Run v = run("verify " + file);
    BOOST_TEST(v.code == 0, v.out);
    BOOST_TEST(v.out.find("over " + std::string(field) + ", rank 23: VALID") != std::string::npos, v.out);
  }
  const std::string metrics = slurp(dir + "/metrics.jsonl");
  BOOST_TEST(metrics.find("\"event\":\"best\"") != std::string::npos);
  BOOST_TEST(metrics.find("\"rank\":23") != std::string::npos);
  BOOST_TEST(metrics.find("\"stopped_by\":\"target\"") != std::string::npos);
  BOOST_TEST(slurp(dir + "/schemes/found.jsonl").find("improve seed 2") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(improve_from_file_with_meta_and_bad_input) {
  const std::string dir = temp_dir();
  const Run r = run("improve --from " + schemes + "2x2x2_r7_Z.json --meta extend:2 --field Z --target-rank 11 --threads 1 --out " +
                    dir + " --time-limit 30s");
  BOOST_TEST(r.code == 0, r.out);
  BOOST_TEST(run("verify " + dir + "/schemes/2x2x3_r11_Z.json").code == 0);
  BOOST_TEST(run("improve --from " + dir + "/missing.json --out " + dir).code == 2);
  BOOST_TEST(run("improve --format 2,2,2").code == 2);  // no --out
  BOOST_TEST(run("improve --format 2,2,2 --out " + dir + " --time-limit soon").code == 2);
  // A mod-2 scheme is not a start for a search over Z.
  const Run z = run("improve --from " + schemes + "4x4x4_r47_Z2.json --field Z --out " + dir);
  BOOST_TEST(z.code == 2, z.out);
  BOOST_TEST(z.out.find("not valid over Z") != std::string::npos, z.out);
  // Coefficients beyond the bound: an input error naming the file.
  const Run b = run("improve --from " + schemes + "3x3x3_r23_Z.json --field Z --out " + dir);
  BOOST_TEST(b.code == 2, b.out);
  BOOST_TEST(b.out.find("3x3x3_r23_Z.json: coefficient") != std::string::npos, b.out);
}

BOOST_AUTO_TEST_CASE(sigterm_stops_cleanly_and_keeps_the_finds) {
  const std::string dir = temp_dir();
  const Run r = sh(std::string(ALPHATENSOR_BINARY) + " improve --format 4,4,4 --threads 1 --time-limit 60s --out " + dir +
                   " > " + dir + "/log & pid=$!; until grep -q rank " + dir + "/log; do sleep 0.1; done; sleep 0.3; " +
                   "kill -TERM $pid; wait $pid; echo rc=$?");
  BOOST_TEST(r.out.find("rc=4") != std::string::npos, r.out);
  const std::string log = slurp(dir + "/log");
  BOOST_TEST(log.find("best rank") != std::string::npos, log);
  BOOST_TEST(run("verify " + dir + "/schemes/4x4x4_r64_Z2.json").code == 0);
}

BOOST_AUTO_TEST_CASE(lift_command) {
  const std::string dir = temp_dir();
  const Run ok = run("lift " + schemes + "3x3x3_r23_Z2.json -o " + dir + "/l.json");
  BOOST_TEST(ok.code == 0, ok.out);
  const Run v = run("verify --field Z " + dir + "/l.json");
  BOOST_TEST(v.code == 0, v.out);
  const Run no = run("lift " + schemes + "4x4x4_r47_Z2.json -o " + dir + "/n.json");
  BOOST_TEST(no.code == 1, no.out);
  BOOST_TEST(no.out.find("cannot be lifted with its sparsity pattern") != std::string::npos, no.out);
  BOOST_TEST(::access((dir + "/n.json").c_str(), F_OK) != 0);
  BOOST_TEST(run("lift " + schemes + "3x3x3_r23_Z2.json").code == 2);  // no -o
}

BOOST_AUTO_TEST_CASE(lift_command_mod_3) {
  const std::string dir = temp_dir();
  // 3x4x4_r38_Z has coefficients ±2: read mod 3 they are ∓1, and the lift comes back over Q.
  const Run ok = run("lift --mod 3 " + schemes + "3x4x4_r38_Z.json -o " + dir + "/l.json");
  BOOST_TEST(ok.code == 0, ok.out);
  BOOST_TEST(ok.out.find("mod 3^25") != std::string::npos, ok.out);
  const Run v = run("verify " + dir + "/l.json");
  BOOST_TEST(v.code == 0, v.out);
  BOOST_TEST(v.out.find("over Q, rank 38: VALID") != std::string::npos, v.out);
  const Run bad = run("lift --mod 3 " + schemes + "3x3x3_r23_Z2.json -o " + dir + "/b.json");
  BOOST_TEST(bad.code == 2, bad.out);
  BOOST_TEST(bad.out.find("3x3x3_r23_Z2.json: the scheme is not valid mod 3") != std::string::npos, bad.out);
  BOOST_TEST(::access((dir + "/b.json").c_str(), F_OK) != 0);
  BOOST_TEST(run("lift --mod 5 " + schemes + "3x3x3_r23_Z.json -o " + dir + "/b.json").code == 2);
  BOOST_TEST(run("lift --mod 3 --bits 40 " + schemes + "3x3x3_r23_Z.json -o " + dir + "/b.json").code == 2);
}

BOOST_AUTO_TEST_CASE(improve_with_cyclic_symmetry) {
  const std::string dir = temp_dir();
  const Run r = run("improve --format 3,3,3 --symmetry cyclic --target-rank 23 --threads 1 --out " + dir +
                    " --time-limit 60s --json-metrics " + dir + "/metrics.jsonl");
  BOOST_TEST_REQUIRE(r.code == 0, r.out);
  const std::string file = dir + "/schemes/3x3x3_r23_Z2.json";
  BOOST_TEST(slurp(file).find("\"symmetry\": \"cyclic\"") != std::string::npos);
  const Run v = run("verify " + file);
  BOOST_TEST(v.code == 0, v.out);
  BOOST_TEST(v.out.find("cyclic-invariant: yes (") != std::string::npos, v.out);
  BOOST_TEST(slurp(dir + "/metrics.jsonl").find("\"symmetry\":\"cyclic\"") != std::string::npos);
  // Refused in one line, exit 2: a non-square format, a start that is not invariant, an unknown symmetry.
  const Run square = run("improve --format 2,2,3 --symmetry cyclic --out " + dir);
  BOOST_TEST(square.code == 2);
  BOOST_TEST(square.out.find("cyclic symmetry needs a square format n,n,n, not 2x2x3") != std::string::npos, square.out);
  const Run start = run("improve --from " + schemes + "3x3x3_r23_Z2.json --symmetry cyclic --out " + dir);
  BOOST_TEST(start.code == 2);
  BOOST_TEST(start.out.find("not cyclic-invariant") != std::string::npos, start.out);
  BOOST_TEST(run("improve --format 2,2,2 --symmetry mirror --out " + dir).code == 2);
  // The diagonal start with 2 fixed terms (23 = 2 + 3·7), and its bad sizes.
  const std::string diag = temp_dir();
  const Run d = run("improve --format 3,3,3 --symmetry cyclic --from diagonal:1,2 --target-rank 23 --threads 1 "
                    "--time-limit 60s --out " + diag);
  BOOST_TEST(d.code == 0, d.out);
  BOOST_TEST(run("verify " + diag + "/schemes/3x3x3_r23_Z2.json").code == 0);
  const Run bad = run("improve --format 5,5,5 --symmetry cyclic --from diagonal:2,2 --out " + dir);
  BOOST_TEST(bad.code == 2);
  BOOST_TEST(bad.out.find("must sum to n = 5, not 4") != std::string::npos, bad.out);
}

// improve --objective runtime with a tiny real timer (n = 64): the fastest file holds a verified
// scheme and its measured speed; a mod-p field, a CUDA device and bad sizes are usage errors.
BOOST_AUTO_TEST_CASE(improve_objective_runtime) {
  const std::string dir = temp_dir();
  const Run r = run("improve --from strassen --field Z --objective runtime --runtime-n 64 --runtime-interval 0.2s "
                    "--time-limit 1s --threads 1 --walk-flips 200 --sample-every 4 --out " + dir);
  BOOST_TEST_REQUIRE(r.code == 0, r.out);
  BOOST_TEST(r.out.find("(fastest, written)") != std::string::npos, r.out);
  const std::string file = dir + "/schemes/2x2x2_r7_Z_fastest.json";
  const Run v = run("verify " + file);
  BOOST_TEST(v.code == 0, v.out);
  const std::string text = slurp(file);
  for (const char* key : {"\"runtime\"", "\"speedup_over_base\"", "\"base_seconds\"", "\"n\":64"})
    BOOST_TEST(text.find(key) != std::string::npos, key << " in " << text);
  BOOST_TEST(slurp(dir + "/schemes/found.jsonl").find("\"objective\":\"runtime\"") != std::string::npos);
  for (const char* bad : {"--field Z2", "--field Z --runtime-device cuda", "--field Z --runtime-n 1"}) {
    const Run b = run("improve --from strassen --objective runtime --time-limit 1s --out " + dir + " " + bad);
    BOOST_TEST(b.code == 2, bad << ": " << b.out);
  }
}
