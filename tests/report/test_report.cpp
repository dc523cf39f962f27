// alphatensor report: reading run folders (the fast JSON-lines reader, bad input), the charts and
// series a small fixture run gives, the page and terminal table through the binary, and the page
// rendered by a real browser (headless chromium; skipped, by name, when it is not installed).
#define BOOST_TEST_MODULE report
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <regex>

#include "core/builtin.hpp"
#include "core/scheme_io.hpp"
#include "report/jsonl.hpp"
#include "report/page.hpp"
#include "tests/shell.hpp"

using namespace at;
using namespace at::report;
using at::test::shell;
using at::test::slurp;
using at::test::temp_dir;

namespace {

// Every run of the binary is bounded (the reports of these fixtures take well under a second).
const std::string kBin = std::string("timeout 120 ") + ALPHATENSOR_BINARY;

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// A train run on 2x2x2 over Z: 30 rounds, rank 8 from a completed game at 3 s, rank 7 from a
// polish at 20.5 s, with both scheme files and their found.jsonl lines.
std::string train_fixture(const std::string& root, const std::string& name) {
  const std::string dir = root + "/" + name;
  make_dirs(dir + "/schemes");
  std::string m = R"({"event":"start","step":0,"elapsed":0.01,"seed":3,"field":"Z","r_limit":8,"simulations":16,"targets":["2x2x2"]})" "\n";
  char buf[400];
  for (int i = 1; i <= 30; ++i) {
    std::snprintf(buf, sizeof buf,
                  R"({"event":"iteration","step":%d,"elapsed":%.1f,"games":%d,"games_per_s":%.2f,"sims_per_s":%d,"mean_batch":%.1f,"loss_policy":%.3f,"loss_value":%.3f,"grad_norm":1.0,"best":{"2x2x2":%d}})" "\n",
                  10 * i, 1.0 * i, 4 * i, 3.5 + 0.1 * (i % 3), 900 + 10 * i, 6.0 + 0.1 * (i % 4), 3.0 - 0.05 * i + 0.1 * (i % 2),
                  1.0 - 0.02 * i, i < 21 ? 8 : 7);
    m += buf;
    if (i == 3) m += R"({"event":"new_best","target":"2x2x2","field":"Z","rank":8,"source":"completion","step":30,"games":12,"elapsed":3.0,"file":"x"})" "\n";
    if (i == 20) {
      m += R"({"event":"polish","target":"2x2x2","field":"Z","origin":"completion","rank_in":8,"rank_out":8,"seconds":5,"step":200,"elapsed":19.0})" "\n";
      m += R"({"event":"new_best","target":"2x2x2","field":"Z","rank":7,"source":"polish","step":200,"games":80,"elapsed":20.5,"file":"x"})" "\n";
      m += R"({"event":"polish","target":"2x2x2","field":"Z","origin":"completion","rank_in":8,"rank_out":7,"seconds":5,"step":200,"elapsed":20.5,"verified":true})" "\n";
    }
  }
  m += R"({"event":"finished","step":300,"elapsed":30.5,"games":120,"games_per_s":3.9,"sims_per_s":1200,"mean_batch":6.2,"best":{"2x2x2":7}})" "\n";
  write(dir + "/metrics.jsonl", m);
  write_scheme(dir + "/schemes/2x2x2_r8_Z.json", naive_scheme(Format{2, 2, 2}));
  write_scheme(dir + "/schemes/2x2x2_r7_Z.json", strassen_scheme());
  write(dir + "/schemes/found.jsonl",
        R"({"time":1000,"format":"2x2x2","field":"Z","rank":8,"source":"completion step 30","scheme":{}})" "\n"
        R"({"time":18500,"format":"2x2x2","field":"Z","rank":7,"source":"polish of completion step 200","scheme":{}})" "\n");
  return dir;
}

// An improve run on 3x3x3 over Z2 (metrics only): start rank 27, then 25 and 23.
std::string improve_fixture(const std::string& root) {
  const std::string dir = root + "/improve333";
  make_dirs(dir);
  write(dir + "/metrics.jsonl",
        R"({"event":"best","format":"3x3x3","field":"Z2","rank":27,"seconds":0.0,"flips":0})" "\n"
        R"({"event":"start","format":"3x3x3","field":"Z2","rank":27,"threads":2,"pool_size":8,"seed":1})" "\n"
        R"({"event":"best","format":"3x3x3","field":"Z2","rank":25,"seconds":0.4,"flips":100000})" "\n"
        R"({"event":"progress","seconds":10.0,"best_rank":25,"flips":4000000,"flips_per_second":400000})" "\n"
        R"({"event":"best","format":"3x3x3","field":"Z2","rank":23,"seconds":12.5,"flips":5000000})" "\n"
        R"({"event":"progress","seconds":20.0,"best_rank":23,"flips":8000000,"flips_per_second":380000})" "\n"
        R"({"event":"done","seconds":21.0,"best_rank":23,"flips":8400000,"stopped_by":"limit"})" "\n");
  return dir;
}

const Chart* find_chart(const std::vector<Chart>& charts, const std::string& id) {
  for (const Chart& c : charts)
    if (c.id == id) return &c;
  return nullptr;
}

const Series* find_series(const Chart& c, const std::string& name) {
  for (const Series& s : c.series)
    if (s.name == name) return &s;
  return nullptr;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(json_lines_reader) {
  JsonLine j;
  BOOST_TEST(parse_json_line(R"({"event":"x","a":1.5e3,"b":"q\"s","n":null,"t":true,"o":{"k":[1,{"z":"}"}]},"e":-2})", j));
  BOOST_TEST(j.string("event") == "x");
  double v = 0;
  BOOST_TEST(j.number("a", v));
  BOOST_TEST(v == 1500.0);
  BOOST_TEST(j.string("b") == "q\"s");
  BOOST_TEST(j.get("o")->kind == JsonValue::Nested);
  BOOST_TEST(std::string(j.get("o")->text) == R"({"k":[1,{"z":"}"}]})");
  BOOST_TEST(j.number("e", v));
  BOOST_TEST(v == -2.0);
  BOOST_TEST(parse_json_line("{}", j));
  BOOST_TEST(!parse_json_line(R"({"event":"iteration","step":31)", j));  // torn
  BOOST_TEST(!parse_json_line(R"({"a":1}{"b":2})", j));
  BOOST_TEST(!parse_json_line(R"({"a":})", j));
  BOOST_TEST(!parse_json_line("[1,2]", j));
}

BOOST_AUTO_TEST_CASE(thinning_keeps_extremes) {
  std::vector<Point> p;
  for (int i = 0; i < 100000; ++i) p.push_back({double(i), i == 54321 ? 1000.0 : i == 777 ? -50.0 : double(i % 7)});
  const std::vector<Point> t = thin(p, 500);
  BOOST_TEST(t.size() <= 2000u);
  bool spike = false, dip = false;
  for (const Point& q : t) spike |= q.y == 1000.0, dip |= q.y == -50.0;
  BOOST_TEST(spike);
  BOOST_TEST(dip);
  BOOST_TEST(t.front().x == 0.0);
  BOOST_TEST(t.back().x == 99999.0);
  for (size_t i = 1; i < t.size(); ++i) BOOST_TEST_REQUIRE(t[i - 1].x <= t[i].x);
}

BOOST_AUTO_TEST_CASE(golden_structure_of_a_train_run) {
  const std::string root = temp_dir("alphatensor_report_");
  const Run run = load_run(train_fixture(root, "train222"));
  BOOST_TEST(run.kind == "train");
  BOOST_TEST(run.events == 36);
  BOOST_TEST(run.notes.empty());
  BOOST_TEST(run.polished == 2);
  BOOST_TEST(run.polish_improved == 1);
  BOOST_TEST(run.end == 30.5);
  const std::vector<Chart> charts = build_charts({run});
  std::vector<std::string> ids;
  for (const Chart& c : charts) ids.push_back(c.id);
  const std::vector<std::string> expected = {"rank-2x2x2-Z", "loss-policy", "loss-value", "sims-per-s", "games-per-s", "mean-batch"};
  BOOST_TEST(ids == expected, boost::test_tools::per_element());

  const Chart& rank = *find_chart(charts, "rank-2x2x2-Z");
  BOOST_TEST(rank.series.size() == 3u);
  BOOST_TEST(find_series(rank, "best rank so far")->points.size() == 2u);
  BOOST_TEST(find_series(rank, "best rank so far")->step_end == 30.5);
  BOOST_TEST(find_series(rank, "completed game")->points.size() == 1u);
  const Series& polish = *find_series(rank, "polish (flip graph)");
  BOOST_TEST(polish.points.size() == 1u);
  BOOST_TEST(polish.points[0].x == 20.5);
  BOOST_TEST(polish.points[0].y == 7.0);
  BOOST_TEST(polish.tips[0] == "rank 7 at 20.5 s: polish (flip graph)");
  BOOST_TEST_REQUIRE(rank.lines.size() == 1u);
  BOOST_TEST(rank.lines[0].y == 7.0);  // best known over Z

  const Chart& loss = *find_chart(charts, "loss-policy");
  BOOST_TEST(loss.series.size() == 2u);  // per step and smoothed
  BOOST_TEST(find_series(loss, "per step")->points.size() == 30u);
  BOOST_TEST(find_series(loss, "smoothed")->points.size() == 30u);
  BOOST_TEST(find_chart(charts, "sims-per-s")->series[0].points.size() == 31u);  // rounds + finished

  const std::vector<BestRow> rows = best_rows({run});
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].rank == 7);
  BOOST_TEST(rows[0].known == 7);
  BOOST_TEST(rows[0].source == "polish");
  BOOST_TEST(rows[0].t == 20.5);
  BOOST_TEST(rows[0].detail == "polish of completion step 200");
  BOOST_TEST_REQUIRE(rows[0].file != nullptr);
  BOOST_TEST(rows[0].file->valid);
  BOOST_TEST(rows[0].file->multiplications.size() == 7u);

  const std::string svg = render_svg(rank);
  BOOST_TEST(count(svg, "class=\"series\"") == 3u);
  BOOST_TEST(count(svg, "class=\"known\"") == 1u);
  BOOST_TEST(svg.find("wall time (s)") != std::string::npos);
  BOOST_TEST(svg.find("rank (multiplications)") != std::string::npos);
  shell("rm -rf " + root);
}

BOOST_AUTO_TEST_CASE(search_and_improve_runs) {
  const std::string root = temp_dir("alphatensor_report_");
  const Run imp = load_run(improve_fixture(root));
  BOOST_TEST(imp.kind == "improve");
  BOOST_TEST(imp.notes.empty());  // no schemes/ and no found.jsonl: nothing skipped
  const auto& points = imp.ranks.at("3x3x3 Z2");
  BOOST_TEST_REQUIRE(points.size() == 3u);
  BOOST_TEST(points[0].source == "start");
  BOOST_TEST(points[2].source == "flip graph");
  BOOST_TEST(imp.series.at(kFlipsPerS).size() == 2u);

  const std::string sdir = root + "/search222";
  make_dirs(sdir);
  write(sdir + "/metrics.jsonl",
        R"({"event":"start","target":"2x2x2","field":"Z2","network":"uniform","threads":2,"virtual_loss":3,"simulations":800,"samples":16,"r_limit":8,"seed":1})" "\n"
        R"({"event":"progress","elapsed":10.0,"games":4,"solved":0,"simulations":20000,"sims_per_s":2000,"evals_per_s":300,"mean_batch":1.9,"best_rank":null})" "\n"
        R"({"event":"new_best","target":"2x2x2","field":"Z2","rank":8,"game":5,"elapsed":12.0,"file":"x"})" "\n"
        R"({"event":"game","game":5,"moves":8,"solved":true,"return":-8,"elapsed":12.0})" "\n"
        R"({"event":"finished","elapsed":15.0,"games":6,"solved":1,"simulations":30000,"sims_per_s":2000,"evals_per_s":300,"mean_batch":1.9,"best_rank":8})" "\n");
  const Run search = load_run(sdir);
  BOOST_TEST(search.kind == "search");
  BOOST_TEST(search.ranks.at("2x2x2 Z2")[0].source == "search");
  BOOST_TEST(search.series.at(kGamesPerS).size() == 2u);
  BOOST_TEST(search.series.at(kGamesPerS)[0].y == 0.4);
  shell("rm -rf " + root);
}

BOOST_AUTO_TEST_CASE(several_runs_share_the_charts) {
  const std::string root = temp_dir("alphatensor_report_");
  const std::vector<Run> runs = {load_run(train_fixture(root, "seed1")), load_run(train_fixture(root, "seed2"))};
  const std::vector<Chart> charts = build_charts(runs);
  const Chart& rank = *find_chart(charts, "rank-2x2x2-Z");
  BOOST_TEST(find_series(rank, "seed1") != nullptr);
  BOOST_TEST(find_series(rank, "seed2") != nullptr);
  BOOST_TEST(find_series(rank, "polish (flip graph)")->points.size() == 2u);
  const Chart& loss = *find_chart(charts, "loss-value");
  BOOST_TEST(find_series(loss, "seed1") != nullptr);
  BOOST_TEST(find_series(loss, "seed2") != nullptr);
  BOOST_TEST(find_series(loss, "seed1")->colour != find_series(loss, "seed2")->colour);
  const std::vector<BestRow> rows = best_rows(runs);
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].per_run.size() == 2u);
  shell("rm -rf " + root);
}

BOOST_AUTO_TEST_CASE(page_and_text_through_the_binary) {
  const std::string root = temp_dir("alphatensor_report_");
  const std::string dir = train_fixture(root, "train222");
  const auto r = shell(kBin + " report " + dir + " " + improve_fixture(root) + " -o " + root + "/r.html");
  BOOST_TEST_REQUIRE(r.code == 0, r.out);
  const std::string page = slurp(root + "/r.html");
  BOOST_TEST(count(page, "<svg class=\"chart\"") == 8u);  // 2 rank charts, 2 losses, 4 throughput
  BOOST_TEST(page.find("data-chart=\"rank-3x3x3-Z2\"") != std::string::npos);
  BOOST_TEST(page.find("data-chart=\"flips-per-s\"") != std::string::npos);
  // Self-contained: no script, no fetched resource (the only URL is the SVG namespace).
  BOOST_TEST(page.find("<script") == std::string::npos);
  BOOST_TEST(std::regex_replace(page, std::regex("xmlns=\"http://www.w3.org/2000/svg\""), "").find("http") == std::string::npos);
  BOOST_TEST(page.find("<details><summary>7 multiplications") != std::string::npos);
  BOOST_TEST(page.find("m1 = ") != std::string::npos);
  BOOST_TEST(page.find("href=\"train222/schemes/2x2x2_r7_Z.json\"") != std::string::npos);

  const auto t = shell(kBin + " report --text " + dir);
  BOOST_TEST_REQUIRE(t.code == 0, t.out);
  BOOST_TEST(std::regex_search(t.out, std::regex("2x2x2 +Z +8 +7 +7 +0  polish \\(flip graph\\) +20.5 s")), t.out);
  shell("rm -rf " + root);
}

BOOST_AUTO_TEST_CASE(bad_input) {
  const std::string root = temp_dir("alphatensor_report_");
  make_dirs(root + "/empty");
  auto r = shell(kBin + " report " + root + "/empty -o " + root + "/e.html");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(count(r.out, "\n") == 1u, r.out);
  BOOST_TEST(r.out.find("nothing to report") != std::string::npos, r.out);
  r = shell(kBin + " report " + root + "/missing");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.out == "alphatensor report: " + root + "/missing: no such folder\n");
  r = shell(kBin + " report");
  BOOST_TEST(r.code == 2);

  // Torn last line, a malformed line, unknown event kinds, lines of an older version.
  const std::string dir = train_fixture(root, "torn");
  std::ofstream(dir + "/metrics.jsonl", std::ios::app)
      << R"({"event":"telemetry","x":1})" "\n" R"({"event":"telemetry","x":2})" "\n" R"({"event":"gpu","t":3})" "\n"
      << "garbage\n"
      << R"({"step":310,"elapsed":31.0,"loss_policy":1.2,"loss_value":0.3})" "\n"  // no event kind: an early round
      << R"({"event":"new_best","target":"2x3x3","field":"Z","rank":17,"elapsed":31.5})" "\n"  // no source
      << R"({"event":"new_best","target":"2x3x3","field":"Z"})" "\n"  // no rank
      << R"({"event":"iteration","step":320,"elap)";
  r = shell(kBin + " report " + dir + " -o " + root + "/t.html");
  BOOST_TEST_REQUIRE(r.code == 0, r.out);
  BOOST_TEST(r.out.find("the last line (44) is incomplete") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("1 malformed line(s) skipped (first: line 40)") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("3 line(s) of unknown event kinds skipped: gpu (1), telemetry (2)") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("1 line(s) without the fields") != std::string::npos, r.out);
  const Run run = load_run(dir);
  BOOST_TEST(run.series.at(kLossPolicy).size() == 31u);
  BOOST_TEST(run.ranks.at("2x3x3 Z")[0].source == "unknown");
  const std::string page = slurp(root + "/t.html");
  BOOST_TEST(page.find("is incomplete") != std::string::npos);
  BOOST_TEST(page.find("source not logged") != std::string::npos);
  BOOST_TEST(count(page, "<svg class=\"chart\"") == 7u);

  // Only schemes, no metrics: the rank history comes from found.jsonl.
  const std::string only = train_fixture(root, "nometrics");
  std::remove((only + "/metrics.jsonl").c_str());
  const Run o = load_run(only);
  BOOST_TEST(o.readable());
  BOOST_TEST_REQUIRE(o.ranks.at("2x2x2 Z").size() == 2u);
  BOOST_TEST(o.ranks.at("2x2x2 Z")[1].source == "polish");
  BOOST_TEST(o.ranks.at("2x2x2 Z")[1].t == 17.5);
  shell("rm -rf " + root);
}

BOOST_AUTO_TEST_CASE(watch_rewrites_the_page) {
  const std::string root = temp_dir("alphatensor_report_");
  const std::string dir = improve_fixture(root);
  const std::string page = root + "/w.html";
  // Stopped by SIGTERM after the first rewrite; `timeout` bounds it if it hangs.
  const auto r = shell("(timeout 20 " ALPHATENSOR_BINARY " report " + dir + " -o " + page + " --watch 1 & pid=$!; sleep 2.5; kill -TERM $pid; wait $pid)");
  BOOST_TEST(r.code == 0, r.out);
  BOOST_TEST(count(r.out, "wrote " + page) >= 2u, r.out);
  BOOST_TEST(slurp(page).find("<meta http-equiv=\"refresh\" content=\"1\">") != std::string::npos);
  shell("rm -rf " + root);
}

BOOST_AUTO_TEST_CASE(real_browser_draws_the_charts) {
  if (shell("command -v chromium").code != 0) {
    BOOST_TEST_MESSAGE("SKIPPED real_browser_draws_the_charts: chromium is not installed (tools/install_deps.sh installs it)");
    return;
  }
  const std::string root = temp_dir("alphatensor_report_");
  const std::string dir = train_fixture(root, "train222");
  const auto r = shell(kBin + " report " + dir + " " + improve_fixture(root) + " -o " + root + "/r.html");
  BOOST_TEST_REQUIRE(r.code == 0, r.out);
  const auto shot = shell("timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=" + root +
                          "/profile --screenshot=" + root + "/shot.png --window-size=1400,2400 file://" + root + "/r.html");
  BOOST_TEST_REQUIRE(shot.code == 0, shot.out);
  const auto check = shell("python3 " ALPHATENSOR_SOURCE_DIR "/tests/report/check_png.py " + root + "/shot.png 8");
  BOOST_TEST(check.code == 0, check.out);
  BOOST_TEST_MESSAGE(check.out);
  if (const char* keep = std::getenv("ALPHATENSOR_REPORT_SHOT")) shell("cp " + root + "/shot.png " + keep);
  shell("rm -rf " + root);
}

BOOST_AUTO_TEST_CASE(long_run_page_stays_small) {
  // The bench writes a train run's metrics.jsonl of N lines and reports the page size (its speed
  // is the bench's business, not this test's).
  const auto r = shell(kBin + " bench report --lines 200000 --json");
  BOOST_TEST_REQUIRE(r.code == 0, r.out);
  std::smatch m;
  BOOST_TEST_REQUIRE(std::regex_search(r.out, m, std::regex(R"("name":"page size[^"]*","unit":"KB","value":([0-9.]+))")), r.out);
  BOOST_TEST(std::stod(m[1]) < 2048.0);
  BOOST_TEST(std::stod(m[1]) > 50.0);  // the charts are there
}

BOOST_AUTO_TEST_CASE(a_real_improve_run) {
  // What improve really writes (guards against the event format drifting from the reader).
  const std::string root = temp_dir("alphatensor_report_");
  const auto run = shell(kBin + " improve --format 2,2,2 --field Z2 --target-rank 7 --threads 1 --time-limit 60s --out " + root + "/i");
  BOOST_TEST_REQUIRE(run.code == 0, run.out);
  const Run r = load_run(root + "/i");
  BOOST_TEST(r.kind == "improve");
  BOOST_TEST(r.notes.empty());
  const auto& points = r.ranks.at("2x2x2 Z2");
  BOOST_TEST(points.front().rank == 8);
  BOOST_TEST(points.front().source == "start");
  BOOST_TEST(points.back().rank == 7);
  BOOST_TEST(points.back().source == "flip graph");
  const auto t = shell(kBin + " report --text " + root + "/i");
  BOOST_TEST(std::regex_search(t.out, std::regex("2x2x2 +Z2 +8 +7 +7 +0  flip graph \\(improve\\)")), t.out);
  shell("rm -rf " + root);
}

BOOST_AUTO_TEST_CASE(a_real_search_run) {
  const std::string root = temp_dir("alphatensor_report_");
  const auto run = shell(kBin + " search --target 2,2,2 --field Z2 --network uniform --simulations 50 --r-limit 8 --threads 1 --games 2 --out " +
                         root + "/s");
  BOOST_TEST_REQUIRE(run.code == 0, run.out);
  const Run r = load_run(root + "/s");
  BOOST_TEST(r.kind == "search");
  BOOST_TEST(r.notes.empty());
  BOOST_TEST(r.events >= 4);  // start, 2 games, finished
  BOOST_TEST(r.series.count(kSimsPerS) == 1u);
  shell("rm -rf " + root);
}

BOOST_AUTO_TEST_CASE(a_real_train_run_shows_where_rank_7_came_from) {
  // The README's main job, as short as it goes: rank 7 on 2x2x2 comes from a polished completion.
  // Taking turns (--no-overlap): beside the learner, a run solved in its first round of games ends
  // before the learner's first step, and this test wants the loss charts too.
  const std::string root = temp_dir("alphatensor_report_");
  const auto run = shell(kBin + " train --target 2,2,2 --preset small --polish --no-overlap --time-limit 110s --target-rank 7 --out " + root + "/t");
  BOOST_TEST_REQUIRE(run.code == 0, run.out);
  const Run r = load_run(root + "/t");
  BOOST_TEST(r.kind == "train");
  BOOST_TEST(r.notes.empty());
  const std::vector<BestRow> rows = best_rows({r});
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].rank == 7);
  BOOST_TEST(rows[0].source == "polish");
  BOOST_TEST(rows[0].detail.rfind("polish of completion", 0) == 0u, rows[0].detail);
  BOOST_TEST_REQUIRE(rows[0].file != nullptr);
  BOOST_TEST(rows[0].file->valid);
  BOOST_TEST(find_chart(build_charts({r}), "loss-policy") != nullptr);
  shell("rm -rf " + root);
}
