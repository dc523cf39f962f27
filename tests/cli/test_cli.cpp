// End-to-end checks of the alphatensor binary: exit codes, one-line errors, --help everywhere.
#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "tests/shell.hpp"

namespace {

using at::test::Run;

Run run(const std::string& args) { return at::test::shell(std::string(ALPHATENSOR_BINARY) + " " + args); }

const std::string schemes = std::string(ALPHATENSOR_SHARED_DIR) + "/schemes";

std::string temp_dir() {
  char tmpl[] = "/tmp/alphatensor_cli_XXXXXX";
  BOOST_TEST_REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

}  // namespace

BOOST_AUTO_TEST_CASE(help_everywhere) {
  BOOST_TEST(run("--help").code == 0);
  BOOST_TEST(run("").code == 2);
  BOOST_TEST(run("nonsense").code == 2);
  for (const char* c : {"verify", "convert", "scheme", "records", "info", "bench", "bench core"}) {
    const Run r = run(std::string(c) + " --help");
    BOOST_TEST(r.code == 0, c);
    BOOST_TEST(r.out.find("Usage: alphatensor") != std::string::npos, c);
  }
  const Run bad = run("verify --no-such-option");
  BOOST_TEST(bad.code == 2);
  BOOST_TEST(bad.out.find("no-such-option") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(verify_exit_codes) {
  const Run ok = run("verify " + schemes + "/*.json " + schemes + "/*.exp");
  BOOST_TEST(ok.code == 0, ok.out);
  BOOST_TEST(ok.out.find("INVALID") == std::string::npos);
  BOOST_TEST(ok.out.find("5x5x5 over Z2, rank 96: VALID") != std::string::npos);

  const std::string dir = temp_dir();
  std::ofstream(dir + "/wrong.json") << R"({"n":[1,1,1],"m":1,"z2":false,"u":[[1]],"v":[[1]],"w":[[2]]})";
  const Run inv = run("verify " + dir + "/wrong.json " + schemes + "/2x2x2_r7_Z.json");
  BOOST_TEST(inv.code == 1);
  BOOST_TEST(inv.out.find("INVALID: a11·b11 → c11: expected 1, found 2") != std::string::npos, inv.out);

  std::ofstream(dir + "/garbage.json") << "\x7f" "ELF\x01\x02";
  const Run un = run("verify " + dir + "/garbage.json " + dir + "/wrong.json");
  BOOST_TEST(un.code == 2);
  BOOST_TEST(un.out.find("garbage.json: not valid JSON") != std::string::npos, un.out);
  BOOST_TEST(run("verify " + dir + "/missing.json").code == 2);

  // A mod-2 scheme is invalid over Z when asked.
  BOOST_TEST(run("verify --field Z " + schemes + "/4x4x4_r47_Z2.json").code == 1);
  const Run js = run("verify --json " + schemes + "/2x2x2_r7_Z.json");
  BOOST_TEST(js.out.find("\"status\":\"valid\"") != std::string::npos, js.out);
}

BOOST_AUTO_TEST_CASE(convert_and_scheme_constructions) {
  const std::string dir = temp_dir();
  BOOST_TEST(run("convert " + schemes + "/3x3x3_r23_Z.json " + dir + "/a.exp").code == 0);
  BOOST_TEST(run("convert " + dir + "/a.exp " + dir + "/b.json").code == 0);
  BOOST_TEST(run("verify " + dir + "/b.json").code == 0);
  BOOST_TEST(run("convert " + schemes + "/3x3x3_r23_Z.json " + dir + "/c.csv").code == 2);

  const Run s49 = run("scheme --builtin strassen --kron strassen -o " + dir + "/s49.json");
  BOOST_TEST(s49.code == 0, s49.out);
  BOOST_TEST(s49.out.find("4x4x4 over Z, rank 49") != std::string::npos, s49.out);
  const Run s11 = run("scheme --builtin naive --format 2,2,1 --sum strassen --axis 2 -o " + dir + "/s11.exp");
  BOOST_TEST(s11.out.find("2x2x3 over Z, rank 11") != std::string::npos, s11.out);
  const Run perm = run("scheme --input " + schemes + "/2x3x4_r20_Z.json --to-format 4,3,2 --symmetry 5 -o " + dir + "/p.json");
  BOOST_TEST(perm.out.find("4x3x2 over Z, rank 20") != std::string::npos, perm.out);
  BOOST_TEST(run("scheme --builtin naive").code == 2);
  BOOST_TEST(run("scheme --builtin strassen --kron naive:9,9,9").code == 2);  // 18x18x18 is too large

  std::ofstream(dir + "/opts.ini") << "builtin = strassen\nkron = strassen\n";
  const Run cfg = run("scheme --config " + dir + "/opts.ini -o " + dir + "/cfg.json");
  BOOST_TEST(cfg.out.find("rank 49") != std::string::npos, cfg.out);
}

BOOST_AUTO_TEST_CASE(mod3_schemes_end_to_end) {
  // improve finds a scheme over Z3, writes it verified; verify reads it back as Z3; train refuses Z3.
  const std::string dir = temp_dir();
  const Run imp = run("improve --format 2,2,2 --field Z3 --from naive --target-rank 7 --time-limit 60 --threads 1 --out " + dir);
  BOOST_TEST(imp.code == 0, imp.out);
  const Run ver = run("verify " + dir + "/schemes/2x2x2_r7_Z3.json");
  BOOST_TEST(ver.code == 0, ver.out);
  BOOST_TEST(ver.out.find("over Z3, rank 7: VALID") != std::string::npos, ver.out);
  BOOST_TEST(run("verify --field Z3 " + schemes + "/3x3x3_r23_Z.json").code == 0);  // Z schemes hold mod 3
  BOOST_TEST(run("scheme --input " + schemes + "/2x2x2_r7_Z.json --mod3 -o " + dir + "/s3.json").code == 0);
  const Run lift = run("lift " + dir + "/s3.json -o " + dir + "/l3.json");  // a Z3 file lifts mod 3 by default
  BOOST_TEST(lift.code == 0, lift.out);
  BOOST_TEST(lift.out.find("mod 3") != std::string::npos, lift.out);
  BOOST_TEST(run("verify --field Z " + dir + "/l3.json").code == 0);
  BOOST_TEST(run("scheme --input " + schemes + "/2x2x2_r7_Z.json --mod2 --mod3 -o " + dir + "/bad.json").code == 2);
  const Run tr = run("train --field Z3 --time-limit 1 --out " + dir + "/t");
  BOOST_TEST(tr.code == 2, tr.out);
  BOOST_TEST(tr.out.find("--field must be Z or Z2") != std::string::npos, tr.out);
}

BOOST_AUTO_TEST_CASE(info_and_records_run) {
  const Run info = run("info");
  BOOST_TEST(info.code == 0, info.out);
  BOOST_TEST(info.out.find("CUDA devices:") != std::string::npos);
  BOOST_TEST(info.out.find("glibc floor:  GLIBC_2.") != std::string::npos, info.out);  // read from the binary
  const Run rec = run("records --schemes " + schemes);
  BOOST_TEST(rec.code == 0, rec.out);
  BOOST_TEST(rec.out.find("4x4x4") != std::string::npos);
  BOOST_TEST(run("records --schemes /nonexistent").code == 2);
}

// The cyclic game and the root selection: bad choices and non-square targets are usage errors,
// one line each; a model probe refuses a non-square target under cyclic symmetry.
BOOST_AUTO_TEST_CASE(symmetry_and_root_option_errors) {
  const std::string dir = temp_dir();
  for (const std::string& cmd : {"train --out " + dir + "/t", "search --out " + dir + "/s"}) {
    const Run sq = run(cmd + " --target 2,3,2 --symmetry cyclic");
    BOOST_TEST(sq.code == 2, cmd);
    BOOST_TEST(sq.out.find("cyclic symmetry needs a square format n,n,n, not 2x3x2") != std::string::npos, cmd);
    BOOST_TEST(run(cmd + " --target 2,2,2 --symmetry sideways").code == 2, cmd);
    const Run root = run(cmd + " --target 2,2,2 --root widest");
    BOOST_TEST(root.code == 2, cmd);
    BOOST_TEST(root.out.find("--root must be sampled, gumbel or auto") != std::string::npos, cmd);
    BOOST_TEST(run(cmd + " --target 2,2,2 --root gumbel --gumbel-actions 0").code == 2, cmd);
  }
  BOOST_TEST(run("model init -o " + dir + "/m.ckpt --set S=6").code == 0);
  BOOST_TEST(run("model probe " + dir + "/m.ckpt --target 2,3,2 --symmetry cyclic").code == 2);
  const Run probe = run("model probe " + dir + "/m.ckpt --target 2,2,2 --symmetry cyclic --samples 4");
  BOOST_TEST(probe.code == 0);
  BOOST_TEST(probe.out.find("cyclic game") != std::string::npos);
  // The published Strassen file is not invariant; the builtin, as written, is (1 fixed, 2 orbits).
  const Run not_inv = run("model probe " + dir + "/m.ckpt --follow " + schemes + "/2x2x2_r7_Z.json --symmetry cyclic");
  BOOST_TEST(not_inv.code == 2);
  BOOST_TEST(not_inv.out.find("not cyclic-invariant") != std::string::npos);
  BOOST_TEST(run("scheme --builtin strassen -o " + dir + "/s.json").code == 0);
  const Run follow = run("model probe " + dir + "/m.ckpt --follow " + dir + "/s.json --symmetry cyclic --samples 4");
  BOOST_TEST(follow.code == 0);
  BOOST_TEST(follow.out.find("3 moves of the cyclic game") != std::string::npos);
  std::filesystem::remove_all(dir);
}
