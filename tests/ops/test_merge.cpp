// alphatensor merge: the best verified scheme per format and field of several folders, through the
// SchemeStore (atomic, logged); invalid files are skipped (exit 1), unreadable folders exit 2.
#include <boost/test/unit_test.hpp>
#include <string>

#include "tests/ops/process.hpp"

using namespace at::test;

BOOST_AUTO_TEST_CASE(merge_keeps_the_best_verified) {
  const TempDir tmp;
  const std::string bin = ALPHATENSOR_BINARY, a = tmp.path + "/a", b = tmp.path + "/b", out = tmp.path + "/out";
  fs::create_directories(a + "/schemes");
  fs::create_directories(b);
  // a: a run folder with the naive 2x2x2 (rank 8); b: a plain folder with Strassen (rank 7) and a
  // rank-6 file that is not a scheme of anything.
  BOOST_TEST_REQUIRE(shell(bin + " scheme --builtin naive --format 2,2,2 -o " + a + "/schemes/2x2x2_r8_Z.json").code == 0);
  fs::copy_file(std::string(ALPHATENSOR_SOURCE_DIR) + "/data/schemes/2x2x2_r7_Z.json", b + "/2x2x2_r7_Z.json");
  std::string exp = slurp(std::string(ALPHATENSOR_SOURCE_DIR) + "/data/schemes/2x2x2_r7_Z.exp");
  append(b + "/2x2x2_r6_Z.exp", exp.substr(exp.find('\n') + 1));
  const Run r = shell(bin + " merge " + a + " " + b + " --out " + out);
  BOOST_TEST(r.code == 1, r.out);  // the rank-6 file did not verify
  BOOST_TEST(r.out.find("2x2x2_r6_Z.exp") != std::string::npos, r.out);
  BOOST_TEST(fs::exists(out + "/schemes/2x2x2_r7_Z.json"), r.out);
  BOOST_TEST(!fs::exists(out + "/schemes/2x2x2_r8_Z.json"), r.out);  // only the best is written
  BOOST_TEST(!fs::exists(out + "/schemes/2x2x2_r6_Z.json"), r.out);
  BOOST_TEST(shell(bin + " verify " + out + "/schemes/2x2x2_r7_Z.json").code == 0);
  BOOST_TEST(slurp(out + "/schemes/found.jsonl").find("merge of " + b + "/2x2x2_r7_Z.json") != std::string::npos);
  // Merging again adds nothing; a missing folder is an input error.
  fs::remove(b + "/2x2x2_r6_Z.exp");
  const Run again = shell(bin + " merge " + a + " " + b + " --out " + out);
  BOOST_TEST(again.code == 0, again.out);
  BOOST_TEST(again.out.find(", 0 written") != std::string::npos, again.out);
  BOOST_TEST(shell(bin + " merge " + tmp.path + "/missing --out " + out).code == 2);
  BOOST_TEST(shell(bin + " merge " + a).code == 2);
}
