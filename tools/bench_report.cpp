// alphatensor bench report: time to read a long run's metrics.jsonl (a train run's lines: losses,
// throughput, new bests) and write its page, and the page's size (the goals: one million lines in
// under 5 s, a page under 2 MB).
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "core/files.hpp"
#include "report/page.hpp"
#include "tools/bench.hpp"
#include "tools/cli.hpp"

namespace at::cli {
namespace {

void write_metrics(const std::string& path, long lines) {
  std::ofstream out(path);
  out << R"({"event":"start","step":0,"elapsed":0.0,"seed":1,"field":"Z2","r_limit":12,"simulations":800,"targets":["4x4x4"]})"
      << "\n";
  int rank = 64;
  char buf[512];
  for (long i = 1; i < lines; ++i) {
    const double t = 0.05 * double(i), step = 40.0 * double(i);
    if (i % 20000 == 0 && rank > 47) {
      std::snprintf(buf, sizeof buf,
                    R"({"event":"new_best","target":"4x4x4","field":"Z2","rank":%d,"source":"%s","step":%.0f,"games":%ld,"elapsed":%.3f,"file":"x"})",
                    --rank, i % 40000 ? "polish" : "selfplay", step, i * 8, t);
    } else {
      const double wobble = double((i * 7919) % 1000) / 1000.0;  // deterministic noise
      std::snprintf(buf, sizeof buf,
                    R"({"event":"iteration","step":%.0f,"elapsed":%.3f,"games":%ld,"games_per_s":%.3f,"sims_per_s":%.1f,"mean_batch":%.2f,"replay":50000,"mean_return":-%.2f,"best_return":-47,"loss_policy":%.5f,"loss_value":%.5f,"grad_norm":1.5,"best":{"4x4x4":%d}})",
                    step, t, i * 8, 160 + 20 * wobble, 52000 + 4000 * wobble, 60 + 4 * wobble, 50 + wobble,
                    3.0 / (1 + 1e-5 * double(i)) + 0.2 * wobble, 0.8 / (1 + 1e-5 * double(i)) + 0.1 * wobble, rank);
    }
    out << buf << "\n";
  }
}

}  // namespace

int bench_report(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("lines", po::value<long>()->default_value(1000000), "metrics lines to write and report")(
      "json", po::bool_switch(), "JSON lines");
  po::variables_map vm;
  if (!parse("bench report", "[--lines N] [--json]", args, opts, {}, vm)) return kOk;
  const long lines = vm["lines"].as<long>();
  if (lines < 2) throw UsageError("--lines must be at least 2");
  const bool json = vm["json"].as<bool>();
  char tmpl[] = "/tmp/alphatensor_bench_report_XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("cannot create a temporary folder");
  const std::string dir = tmpl;
  write_metrics(dir + "/metrics.jsonl", lines);
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const std::clock_t c0 = std::clock();
  const std::vector<report::Run> runs{report::load_run(dir)};
  const auto t1 = clock::now();
  const std::clock_t c1 = std::clock();
  const std::string page = report::render_html(runs, dir + "/report.html", 0);
  write_file_atomic(dir + "/report.html", page);
  const auto t2 = clock::now();
  const std::clock_t c2 = std::clock();
  std::remove((dir + "/metrics.jsonl").c_str());
  std::remove((dir + "/report.html").c_str());
  ::rmdir(dir.c_str());
  report(json, "report", "read " + std::to_string(lines) + " metrics lines", std::chrono::duration<double>(t1 - t0).count(), "s");
  report(json, "report", "read: CPU time of this process", double(c1 - c0) / CLOCKS_PER_SEC, "s");
  report(json, "report", "charts and page", std::chrono::duration<double>(t2 - t1).count(), "s");
  report(json, "report", "total (goal < 5 s)", std::chrono::duration<double>(t2 - t0).count(), "s");
  report(json, "report", "total: CPU time of this process (wall on a busy machine is more)", double(c2 - c0) / CLOCKS_PER_SEC, "s");
  report(json, "report", "page size (goal < 2048 KB)", double(page.size()) / 1024, "KB");
  return kOk;
}

}  // namespace at::cli
