// alphatensor report: the story of train, search and improve runs as one self-contained HTML page
// (inline SVG charts, no script) or a terminal table. The work is in report/.
#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include "core/files.hpp"
#include "report/page.hpp"
#include "tools/cli.hpp"
#include "tools/discovery.hpp"

namespace at::cli {
namespace {

std::vector<report::Run> load(const std::vector<std::string>& dirs, bool* readable) {
  std::vector<report::Run> runs;
  *readable = false;
  for (const std::string& d : dirs) {
    runs.push_back(report::load_run(d));
    *readable = *readable || runs.back().readable();
  }
  // Folders of the same name (runs/a/out, runs/b/out): their paths tell them apart.
  std::map<std::string, int> seen;
  for (const report::Run& r : runs) ++seen[r.label];
  for (report::Run& r : runs)
    if (seen[r.label] > 1) r.label = r.dir;
  return runs;
}

std::string joined(const std::vector<std::string>& dirs) {
  std::string s;
  for (const std::string& d : dirs) s += (s.empty() ? "" : ", ") + d;
  return s;
}

}  // namespace

int cmd_report(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("dir", po::value<std::vector<std::string>>(), "run folder of train, search or improve, or a metrics.jsonl (repeatable)")
      ("output,o", po::value<std::string>()->default_value("report.html"), "write the HTML page here (atomically)")
      ("watch", po::value<int>()->default_value(0), "rewrite the page every SECONDS while the run goes on (until SIGINT/SIGTERM); "
                                                   "the page reloads itself as often")
      ("text", po::bool_switch(), "print the summary table to the terminal instead of writing a page");
  po::positional_options_description pos;
  pos.add("dir", -1);
  po::variables_map vm;
  if (!parse("report", "DIR... [-o report.html] [--watch SECONDS] [--text]\n\n"
                       "Charts of the best rank per target over time (with where it came from and the best known\n"
                       "rank), learner losses and throughput, and the best schemes against the best known ranks,\n"
                       "from the output folders of train, search and improve; several folders share the charts",
             args, opts, pos, vm))
    return kOk;
  if (!vm.count("dir")) throw UsageError("no run folder given");
  const std::vector<std::string> dirs = vm["dir"].as<std::vector<std::string>>();
  const std::string out = vm["output"].as<std::string>();
  const int watch = vm["watch"].as<int>();
  if (watch < 0) throw UsageError("--watch must be a number of seconds > 0");
  const bool text = vm["text"].as<bool>();
  if (text && watch > 0) throw UsageError("--text and --watch exclude each other");

  bool readable = false;
  std::vector<report::Run> runs = load(dirs, &readable);
  if (!readable && watch == 0) {
    for (const report::Run& r : runs)
      if (!r.exists) throw InputError(r.dir + ": no such folder");
    throw InputError(joined(dirs) + ": nothing to report (no metrics.jsonl lines, found.jsonl or scheme files)");
  }
  for (const report::Run& r : runs)
    for (const std::string& n : r.notes)
      if (!text) std::cerr << "alphatensor report: " << r.label << ": " << n << "\n";
  if (text) {
    std::cout << report::render_text(runs);
    return kOk;
  }
  const std::atomic<bool>& stop = stop_on_signals();
  while (true) {
    const std::string page = report::render_html(runs, out, watch);
    write_file_atomic(out, page);
    std::cout << "alphatensor report: wrote " << out << " (" << page.size() / 1024 << " KB, "
              << report::build_charts(runs).size() << " charts) from " << joined(dirs) << std::endl;
    if (watch == 0) return kOk;
    for (int i = 0; i < watch * 10 && !stop.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (stop.load()) return kOk;
    runs = load(dirs, &readable);
  }
}

}  // namespace at::cli
