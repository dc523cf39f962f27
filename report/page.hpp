#pragma once
// The report of one or more runs: the charts, the table of best schemes against the best known
// ranks, and the page (one self-contained HTML file) or the terminal table.
#include <string>
#include <vector>

#include "report/chart.hpp"
#include "report/run.hpp"

namespace at::report {

// One row per (format, field): the best rank any run reached, where it came from, its file.
struct BestRow {
  std::string format, field;   // "2x2x2", "Z2"
  int naive = 0;
  int known = -1;              // best known rank for the field (data/best_known_ranks.json), -1: not listed
  int rank = -1;               // best found
  std::string run, source;     // which run, and how (selfplay, completion, polish, flip graph, ...)
  std::string detail;          // the scheme log's words for it, e.g. "polish of completion step 1"
  double t = -1;               // seconds into that run, -1: unknown
  const SchemeFile* file = nullptr;              // the verified file of that rank, if any
  std::vector<std::pair<std::string, int>> per_run;  // each run's best, when several runs
};

std::vector<BestRow> best_rows(const std::vector<Run>& runs);
std::vector<Chart> build_charts(const std::vector<Run>& runs);

// The page; `html_path` is where it will be written (scheme links are made relative to it);
// refresh_seconds > 0 makes the browser reload it (for --watch).
std::string render_html(const std::vector<Run>& runs, const std::string& html_path, int refresh_seconds);
// The summary table for a terminal, then the notes.
std::string render_text(const std::vector<Run>& runs);

// "12.3 s", "4.5 min", "2.1 h".
std::string duration_text(double seconds);

}  // namespace at::report
