#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include "core/builtin.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "core/scheme_store.hpp"
#include "helpers.hpp"

using namespace at;

namespace {
std::string temp_dir() {
  char tmpl[] = "/tmp/alphatensor_test_XXXXXX";
  BOOST_TEST_REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}
void expect_input_error(const std::string& text, const std::string& needle, bool exp = false) {
  try {
    if (exp) parse_scheme_exp(text, "bad.exp");
    else parse_scheme_json(text, "bad.json");
    BOOST_ERROR("accepted: " << text.substr(0, 80));
  } catch (const InputError& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find(exp ? "bad.exp" : "bad.json") == 0u, msg);
    BOOST_TEST(msg.find(needle) != std::string::npos, msg << " lacks " << needle);
    BOOST_TEST(msg.find('\n') == std::string::npos);
  }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(io)

BOOST_AUTO_TEST_CASE(json_round_trip_keeps_every_coefficient) {
  for (const std::string& path : shared_scheme_files()) {
    const Scheme s = read_scheme(path);
    const Scheme j = parse_scheme_json(scheme_to_json(s), "roundtrip");
    BOOST_TEST((j.u == s.u && j.v == s.v && j.w == s.w), path);
    BOOST_TEST(int(j.field) == int(s.field));
    const Scheme e = parse_scheme_exp(scheme_to_exp(s), "roundtrip");
    BOOST_TEST((e.u == s.u && e.v == s.v && e.w == s.w), path);
    BOOST_TEST(int(e.field) == int(s.field), path);  // mod-2 schemes are recognised from .exp too
  }
}

BOOST_AUTO_TEST_CASE(exp_files_match_their_json_twins) {
  for (const char* name : {"2x2x2_r7_Z", "3x3x3_r23_Z"}) {
    const Scheme e = read_scheme(shared_dir() + "/schemes/" + name + ".exp");
    BOOST_TEST(verify(e).ok);
    BOOST_TEST(e.rank() == read_scheme(shared_dir() + "/schemes/" + name + ".json").rank());
  }
}

BOOST_AUTO_TEST_CASE(rationals_and_large_formats) {
  const std::string text = R"({"n": [1, 1, 1], "m": 2, "u": [["1/2"], [1]], "v": [[1], ["1/2"]], "w": [[1], [1]]})";
  const Scheme s = parse_scheme_json(text, "q.json");
  BOOST_TEST(int(s.field) == int(Field::Q));
  BOOST_TEST(verify(s).ok);
  BOOST_TEST(parse_scheme_json(scheme_to_json(s), "again").u == s.u);
  BOOST_TEST(verify(parse_scheme_exp(scheme_to_exp(s), "q.exp")).ok);
  // Indices above 9 use the i_j form.
  const Scheme big = naive_scheme(Format{10, 2, 11});
  const std::string exp = scheme_to_exp(big);
  BOOST_TEST(exp.find("a10_2") != std::string::npos);
  const Scheme back = parse_scheme_exp(exp, "big.exp");
  BOOST_TEST(back.format.str() == "10x2x11");
  BOOST_TEST(verify(back).ok);
}

BOOST_AUTO_TEST_CASE(mod3_schemes_round_trip) {
  const Scheme s = mod3_only_scheme().reduced_mod(Field::Z3);
  BOOST_TEST_REQUIRE(verify(s).ok);
  BOOST_TEST_REQUIRE(!verify(s, Field::Z).ok);
  const std::string text = scheme_to_json(s);
  BOOST_TEST(text.find("\"field\": \"Z3\"") != std::string::npos);
  const Scheme j = parse_scheme_json(text, "z3.json");
  BOOST_TEST((j.field == Field::Z3));
  BOOST_TEST((j.u == s.u && j.v == s.v && j.w == s.w));
  const Scheme e = parse_scheme_exp(scheme_to_exp(s), "z3.exp");  // .exp: recognised as mod 3
  BOOST_TEST((e.field == Field::Z3));
  BOOST_TEST(verify(e).ok);
  // "field" may reduce any file: 1/2 ≡ -1 mod 3.
  const Scheme h = parse_scheme_json(R"({"n":[1,1,1],"m":1,"field":"Z3","u":[["1/2"]],"v":[[-1]],"w":[[1]]})", "h.json");
  BOOST_TEST((h.field == Field::Z3));
  BOOST_TEST(verify(h).ok);
  expect_input_error(R"({"n":[1,1,1],"m":1,"field":"Z3","u":[["1/3"]],"v":[[1]],"w":[[1]]})", "no value mod 3");
  expect_input_error(R"({"n":[1,1,1],"m":1,"field":"Z5","u":[[1]],"v":[[1]],"w":[[1]]})", "\"field\"");
  expect_input_error(R"({"n":[1,1,1],"m":1,"field":3,"u":[[1]],"v":[[1]],"w":[[1]]})", "\"field\"");
  expect_input_error(R"({"n":[1,1,1],"m":1,"z2":true,"field":"Z3","u":[[1]],"v":[[1]],"w":[[1]]})", "contradicts");
}

BOOST_AUTO_TEST_CASE(formulas_are_readable) {
  const Scheme s = strassen_scheme();
  const auto mult = multiplication_formulas(s);
  BOOST_TEST(mult[0] == "m1 = (a11+a22)*(b11+b22)");
  BOOST_TEST(mult[2] == "m3 = a11*(b12-b22)");
  const auto el = element_formulas(s);
  BOOST_TEST(el[0] == "c11 = m1+m4-m5+m7");
  BOOST_TEST(el.size() == 4u);
}

BOOST_AUTO_TEST_CASE(malformed_json_gives_one_line_errors) {
  expect_input_error("", "not valid JSON");
  expect_input_error("[1,2]", "JSON object");
  expect_input_error(R"({"m":1})", "missing \"n\"");
  expect_input_error(R"({"n":[2,2],"u":[],"v":[],"w":[]})", "[n, m, p]");
  expect_input_error(R"({"n":[2,2,0],"u":[],"v":[],"w":[]})", "outside 1..16");
  expect_input_error(R"({"n":[1,1,1],"m":1,"u":[[1]],"v":[[1]]})", "missing \"w\"");
  expect_input_error(R"({"n":[1,1,1],"m":2,"u":[[1]],"v":[[1]],"w":[[1]]})", "has 1 rows, expected 2");
  expect_input_error(R"({"n":[1,1,1],"m":1,"u":[[1,2]],"v":[[1]],"w":[[1]]})", "u[0] must be an array of 1");
  expect_input_error(R"({"n":[1,1,1],"m":1,"u":[[1.5]],"v":[[1]],"w":[[1]]})", "not an integer");
  expect_input_error(R"({"n":[1,1,1],"m":1,"u":[[1e300]],"v":[[1]],"w":[[1]]})", "not an integer");
  expect_input_error(R"({"n":[1,1,1],"m":1,"u":[["1/0"]],"v":[[1]],"w":[[1]]})", "zero denominator");
  expect_input_error(R"({"n":[1,1,1],"m":1,"u":[["x"]],"v":[[1]],"w":[[1]]})", "not a number");
  expect_input_error(R"({"n":[1,1,1],"m":1,"u":[[123456789012345678901234567890]],"v":[[1]],"w":[[1]]})", "not an integer");
  expect_input_error(R"({"n":[1,1,1],"m":1,"u":[[null]],"v":[[1]],"w":[[1]]})", "null");
  expect_input_error(R"({"n":[1,1,1],"m":1,"z2":true,"u":[["1/2"]],"v":[[1]],"w":[[1]]})", "no value mod 2");
  expect_input_error(R"({"n":[1,1,1],"m":1,"z2":"yes","u":[[1]],"v":[[1]],"w":[[1]]})", "\"z2\"");
  expect_input_error(R"({"n":[2,2,2],"m":99999999,"u":[],"v":[],"w":[]})", "outside");
  expect_input_error("{\"n\":[2,2,2],\"u\":[[\xff\xfe]]}", "not valid JSON");
}

BOOST_AUTO_TEST_CASE(malformed_exp_gives_one_line_errors) {
  expect_input_error("", "no products", true);
  expect_input_error("a11*b11", "expected '*'", true);
  expect_input_error("a11*b11*c11*a11", "unexpected", true);
  expect_input_error("(a11+b11)*b11*c11", "only a variables", true);
  expect_input_error("a1*b11*c11", "two digits", true);
  expect_input_error("a11*b11*c00", "out of range", true);
  expect_input_error("(a11+)*b11*c11", "expected a variable", true);
  expect_input_error("a11*b11*(c11", "expected '+', '-' or ')'", true);
  expect_input_error("99999999999999999999*a11*b11*c11", "out of range", true);
  expect_input_error("a11*b11*c11\x01", "control character", true);
  expect_input_error("a99_99*b11*c11", "larger than supported", true);
}

BOOST_AUTO_TEST_CASE(writer_refuses_invalid_schemes_and_writes_atomically) {
  const std::string dir = temp_dir();
  Scheme bad = strassen_scheme();
  bad.u_row(0)[0] = 5;
  BOOST_CHECK_THROW(write_scheme(dir + "/bad.json", bad), std::runtime_error);
  BOOST_TEST(::access((dir + "/bad.json").c_str(), F_OK) != 0);
  write_scheme(dir + "/s.json", strassen_scheme());
  write_scheme(dir + "/s.exp", strassen_scheme());
  BOOST_TEST(verify(read_scheme(dir + "/s.json")).ok);
  BOOST_TEST(verify(read_scheme(dir + "/s.exp")).ok);
  BOOST_CHECK_THROW(read_scheme(dir + "/missing.json"), InputError);
  BOOST_CHECK_THROW(read_scheme(dir + "/s.txt"), InputError);
  BOOST_CHECK_THROW(read_scheme(dir), InputError);
}

BOOST_AUTO_TEST_CASE(scheme_store_keeps_bests_and_distinct_schemes) {
  const std::string dir = temp_dir();
  {
    SchemeStore store(dir);
    BOOST_TEST(int(store.offer(naive_scheme(Format{2, 2, 2}), "test")) == int(SchemeStore::Outcome::NewBest));
    BOOST_TEST(int(store.offer(strassen_scheme(), "test")) == int(SchemeStore::Outcome::NewBest));
    BOOST_TEST(int(store.offer(strassen_scheme(), "test")) == int(SchemeStore::Outcome::Duplicate));
    BOOST_TEST(int(store.offer(naive_scheme(Format{2, 2, 2}), "test")) == int(SchemeStore::Outcome::NotBetter));
    Scheme bad = strassen_scheme();
    bad.w_row(0)[0] = 0;
    BOOST_TEST(int(store.offer(bad, "test")) == int(SchemeStore::Outcome::Invalid));
    const Scheme other = transpose(strassen_scheme());
    BOOST_TEST(int(store.offer(other, "test")) == int(SchemeStore::Outcome::NewDistinct));
    BOOST_TEST(store.best_rank(Format{2, 2, 2}, Field::Z) == 7);
  }
  SchemeStore reopened(dir);  // a resumed run remembers its best
  BOOST_TEST(reopened.best_rank(Format{2, 2, 2}, Field::Z) == 7);
  BOOST_TEST(verify(read_scheme(dir + "/schemes/2x2x2_r7_Z.json")).ok);
  const std::string log = read_file(dir + "/schemes/found.jsonl");
  BOOST_TEST(std::count(log.begin(), log.end(), '\n') == 3);
}

BOOST_AUTO_TEST_CASE(plain_text_round_trip_and_bad_input) {
  for (const std::string& path : shared_scheme_files()) {
    const Scheme s = read_scheme(path);
    const Scheme t = parse_scheme_txt(scheme_to_txt(s), "x.txt");
    BOOST_TEST((t.format == s.format), path);
    BOOST_TEST(int(t.field) == int(s.field), path);  // mod-2 schemes are recognised from .txt too
    BOOST_TEST((t.u == s.u && t.v == s.v && t.w == s.w), path);
  }
  // The layout: header, then u rows, v rows, w rows (C transposed).
  const std::string naive = "1 1 2 2\n1\n1\n1 0\n0 1\n1 0\n0 1\n";
  const Scheme n = parse_scheme_txt(naive, "n.txt");
  BOOST_TEST(n.format.str() == "1x1x2");
  BOOST_TEST(verify(n).ok);
  BOOST_TEST(scheme_to_txt(n) == naive);
  auto fails = [](const std::string& text, const std::string& what) {
    try {
      parse_scheme_txt(text, "bad.txt");
    } catch (const InputError& e) {
      const std::string m = e.what();
      BOOST_TEST(m.rfind("bad.txt: ", 0) == 0u, m);
      BOOST_TEST(m.find(what) != std::string::npos, m);
      BOOST_TEST(m.find('\n') == std::string::npos, m);
      return;
    }
    BOOST_ERROR("no error for: " + text);
  };
  fails("", "ends early");
  fails("2 2 x 7", "dimension 'x'");
  fails("2 2 2 0", "rank '0'");
  fails("2 2 2 7 1 0", "ends early");
  fails(naive + "1", "unexpected '1'");
  fails("1 1 2 2\n1\nq\n1 0\n0 1\n1 0\n0 1\n", "u[1][0]: 'q'");
}

BOOST_AUTO_TEST_CASE(found_log_skips_damaged_lines) {
  const std::string dir = temp_dir();
  {
    SchemeStore store(dir);
    store.offer(strassen_scheme(), "copied seed: test");
  }
  append_line(dir + "/schemes/found.jsonl", "{\"format\": \"2x2");  // cut short by a kill
  const std::vector<FoundEntry> log = read_found_log(dir + "/schemes");
  BOOST_TEST_REQUIRE(log.size() == 1u);
  BOOST_TEST(log[0].format == "2x2x2");
  BOOST_TEST(log[0].rank == 7);
  BOOST_TEST(log[0].source.rfind(kCopiedSourcePrefix, 0) == 0u);
  BOOST_TEST(read_found_log(dir + "/missing").empty());
  BOOST_TEST(scheme_files_in(dir + "/schemes").size() == 1u);
  BOOST_CHECK_THROW(scheme_files_in(dir + "/missing", true), InputError);
  BOOST_TEST(std::system(("rm -rf " + dir).c_str()) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
