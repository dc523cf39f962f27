#include "report/page.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/build_info.hpp"

namespace at::report {
namespace {

// Colours: one per source (markers) and one per run (lines); distinguishable, also in grey print.
struct SourceStyle {
  const char* key;
  const char* label;
  const char* colour;
  const char* marker;
};
constexpr SourceStyle kSources[] = {
    {"selfplay", "self-play", "#1f77b4", "circle"},    {"completion", "completed game", "#ff7f0e", "square"},
    {"polish", "polish (flip graph)", "#2ca02c", "diamond"}, {"flip graph", "flip graph (improve)", "#9467bd", "triangle"},
    {"search", "search", "#17becf", "circle"},          {"start", "start scheme", "#7f7f7f", "square"},
    {"unknown", "source not logged", "#8c564b", "circle"},
};
const SourceStyle& source_style(const std::string& key) {
  for (const SourceStyle& s : kSources)
    if (key == s.key) return s;
  return kSources[std::size(kSources) - 1];
}
constexpr const char* kRunColours[] = {"#3b4cc0", "#0b7285", "#b35c00", "#862e9c", "#5c940d", "#222222", "#d6336c", "#5f6b7a"};
constexpr const char* kKnownColour = "#d62728";

Series make_series(const std::string& name, const std::string& colour, Series::Style style,
                   std::vector<Point> points = {}) {
  Series s;
  s.name = name, s.colour = colour, s.style = style, s.points = std::move(points);
  return s;
}

std::string run_colour(size_t i, size_t runs) { return runs == 1 ? "#1f4e9c" : kRunColours[i % std::size(kRunColours)]; }

// Best known rank over the field. A Z scheme also holds mod 3, so best_Z bounds Z3; Q: any field.
int best_known(const Format& f, const std::string& field) {
  static const nlohmann::json records = nlohmann::json::parse(best_known_ranks_json());
  int d[3] = {f.n, f.m, f.p};
  std::sort(d, d + 3);
  const char* key = field == "Z2" ? "best_Z2" : field == "Q" ? "best_any_field" : "best_Z";
  for (const auto& row : records["formats"])
    if (row["format"][0] == d[0] && row["format"][1] == d[1] && row["format"][2] == d[2])
      return row.contains(key) ? row[key].get<int>() : row.contains("best_any_field") ? row["best_any_field"].get<int>() : -1;
  return -1;
}

std::pair<std::string, std::string> split_key(const std::string& key) {
  const size_t sp = key.find(' ');
  return {key.substr(0, sp), sp == std::string::npos ? "" : key.substr(sp + 1)};
}

std::string format_title(const std::string& format) {
  try {
    const Format f = Format::parse(format);
    return "T(" + std::to_string(f.n) + "," + std::to_string(f.m) + "," + std::to_string(f.p) + ")";
  } catch (const std::exception&) {
    return format;
  }
}

std::string id_safe(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  return s;
}

Chart rank_chart(const std::vector<Run>& runs, const std::string& key) {
  const auto [format, field] = split_key(key);
  Chart c;
  c.id = "rank-" + id_safe(key);
  c.title = "Best rank of " + format_title(format) + " over " + field;
  c.x_label = "wall time";
  c.x_time = true;
  c.y_label = "rank (multiplications)";
  c.y_integer = true;
  std::map<std::string, Series> markers;
  for (size_t i = 0; i < runs.size(); ++i) {
    auto it = runs[i].ranks.find(key);
    if (it == runs[i].ranks.end() || it->second.empty()) continue;
    Series line = make_series(runs.size() == 1 ? "best rank so far" : runs[i].label,
                              runs.size() == 1 ? "#666666" : run_colour(i, runs.size()), Series::Step);
    line.step_end = runs[i].end;
    for (const RankPoint& p : it->second) {
      line.points.push_back({p.t, double(p.rank)});
      const SourceStyle& st = source_style(p.source);
      Series& m = markers[st.key];
      m.name = st.label, m.colour = st.colour, m.marker = st.marker, m.style = Series::Markers;
      m.points.push_back({p.t, double(p.rank)});
      m.tips.push_back("rank " + std::to_string(p.rank) + " at " + duration_text(p.t) + ": " + st.label +
                       (runs.size() > 1 ? " (" + runs[i].label + ")" : ""));
    }
    c.series.push_back(std::move(line));
  }
  for (const SourceStyle& st : kSources) {  // legend in a fixed order
    auto it = markers.find(st.key);
    if (it == markers.end()) continue;
    // Marker points in x order with their tips.
    std::vector<size_t> order(it->second.points.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return it->second.points[a].x < it->second.points[b].x; });
    Series s = it->second;
    for (size_t i = 0; i < order.size(); ++i) s.points[i] = it->second.points[order[i]], s.tips[i] = it->second.tips[order[i]];
    c.series.push_back(std::move(s));
  }
  try {
    const int known = best_known(Format::parse(format), field);
    if (known > 0) c.lines.push_back({double(known), "best known: " + std::to_string(known), kKnownColour});
  } catch (const std::exception&) {
  }
  return c;
}

struct SeriesSpec {
  const char* name;
  const char* title;
  const char* y_label;
  bool losses;  // over learner steps, raw and smoothed
};
constexpr SeriesSpec kSeries[] = {
    {kLossPolicy, "Policy loss", "cross-entropy", true},
    {kLossValue, "Value loss", "quantile loss", true},
    {kSimsPerS, "Simulations per second", "simulations/s", false},
    {kGamesPerS, "Games per second", "games/s", false},
    {kMeanBatch, "Mean network batch", "states per query", false},
    {kFlipsPerS, "Flips per second (improve)", "flips/s", false},
};

Chart series_chart(const std::vector<Run>& runs, const SeriesSpec& spec) {
  Chart c;
  c.id = id_safe(spec.name);
  c.title = spec.title;
  c.x_label = spec.losses ? "learner step" : "wall time";
  c.x_time = !spec.losses;
  c.y_label = spec.y_label;
  for (size_t i = 0; i < runs.size(); ++i) {
    auto it = runs[i].series.find(spec.name);
    if (it == runs[i].series.end() || it->second.empty()) continue;
    const std::string colour = run_colour(i, runs.size());
    const bool one = runs.size() == 1;
    // Losses, and throughput measured more often than the plot has columns: raw (faint) and smoothed.
    if (spec.losses || it->second.size() > size_t(kPlotColumns) / 2) {
      c.series.push_back(make_series(one ? (spec.losses ? "per step" : "measured") : "", colour, Series::Faint, it->second));
      c.series.push_back(make_series(one ? "smoothed" : runs[i].label, colour, Series::Line, smooth(it->second)));
    } else {
      c.series.push_back(make_series(one ? "" : runs[i].label, colour, Series::Line, it->second));
    }
  }
  return c;
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string link_to(const std::string& file, const std::string& html_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path from = fs::absolute(fs::path(html_path), ec).parent_path();
  const fs::path rel = fs::proximate(fs::absolute(file, ec), from, ec);
  return ec ? file : rel.generic_string();
}

void scheme_table(std::ostream& o, const std::vector<Run>& runs, const std::vector<BestRow>& rows,
                  const std::string& html_path) {
  o << "<h2>Best schemes</h2>\n";
  if (rows.empty()) {
    o << "<p>No scheme and no rank in these runs yet.</p>\n";
    return;
  }
  o << "<table><tr><th>format</th><th>field</th><th>naive</th><th>best known</th><th>found</th><th>gap</th>"
       "<th>where it came from</th>";
  if (runs.size() > 1) o << "<th>per run</th>";
  o << "<th>scheme file</th></tr>\n";
  for (const BestRow& r : rows) {
    const std::string gap = r.known > 0 && r.rank > 0 ? std::to_string(r.rank - r.known) : "-";
    o << "<tr><td>" << escape(r.format) << "</td><td>" << escape(r.field) << "</td><td>" << r.naive << "</td><td>"
      << (r.known > 0 ? std::to_string(r.known) : "-") << "</td><td class=\"found" << (r.rank > 0 && r.rank <= r.known ? " hit" : "")
      << "\">" << (r.rank > 0 ? std::to_string(r.rank) : "-") << "</td><td>" << gap << "</td><td>";
    if (!r.source.empty()) {
      const SourceStyle& st = source_style(r.source);
      o << "<span class=\"dot\" style=\"background:" << st.colour << "\"></span>" << escape(st.label);
    }
    if (r.t >= 0) o << " after " << duration_text(r.t);
    if (runs.size() > 1 && !r.run.empty()) o << " in " << escape(r.run);
    if (!r.detail.empty()) o << "<br><span class=\"small\">logged as: " << escape(r.detail) << "</span>";
    o << "</td>";
    if (runs.size() > 1) {
      o << "<td>";
      for (const auto& [label, rank] : r.per_run) o << escape(label) << ": " << rank << "<br>";
      o << "</td>";
    }
    o << "<td>";
    if (r.file) {
      o << "<a href=\"" << escape(link_to(r.file->path, html_path)) << "\">" << escape(r.file->path) << "</a> "
        << (r.file->valid ? "(verified)" : "<b>(does not verify)</b>");
      if (r.file->valid) {
        o << "<details><summary>" << r.file->multiplications.size() << " multiplications, formulas</summary><pre>";
        for (const std::string& m : r.file->multiplications) o << escape(m) << "\n";
        o << "\n";
        for (const std::string& e : r.file->elements) o << escape(e) << "\n";
        o << "</pre></details>";
      }
    } else {
      o << "-";
    }
    o << "</td></tr>\n";
  }
  o << "</table>\n";
}

std::string setting(const Run& r, const char* key) {
  auto it = r.settings.find(key);
  return it == r.settings.end() ? "" : it->second;
}

void run_table(std::ostream& o, const std::vector<Run>& runs) {
  o << "<h2>Runs</h2>\n<table><tr><th>run</th><th>kind</th><th>folder</th><th>length</th><th>metrics lines</th>"
       "<th>settings</th><th>notes</th></tr>\n";
  static const char* kShown[] = {"targets", "format", "target", "field", "seed", "simulations", "samples", "r_limit",
                                 "batch_size", "threads", "pool_size", "network"};
  for (size_t i = 0; i < runs.size(); ++i) {
    const Run& r = runs[i];
    o << "<tr><td><span class=\"dot\" style=\"background:" << run_colour(i, runs.size()) << "\"></span>" << escape(r.label)
      << "</td><td>" << escape(r.kind) << "</td><td>" << escape(r.dir) << "</td><td>" << duration_text(r.end) << "</td><td>"
      << r.events << "</td><td class=\"small\">";
    for (const char* k : kShown) {
      const std::string v = setting(r, k);
      if (!v.empty()) o << escape(k) << "=" << escape(v) << " ";
    }
    if (r.polished) o << "<br>polish: " << r.polished << " schemes walked, " << r.polish_improved << " improved";
    o << "</td><td class=\"small note\">";
    for (const std::string& n : r.notes) o << escape(n) << "<br>";
    o << "</td></tr>\n";
  }
  o << "</table>\n";
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:20px 28px;color:#222;background:#fff}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #d5d9de;padding:4px 8px;text-align:left;"
    "vertical-align:top}td:first-child{white-space:nowrap}th{background:#f0f2f5}td.found{font-weight:bold}td.hit{color:#2b8a3e}"
    ".small{font-size:12px}.note{color:#8a5a00}.meta{color:#555;font-size:13px}"
    ".dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:5px}"
    ".charts{display:flex;flex-wrap:wrap;gap:14px 20px}.charts svg{border:1px solid #e3e6ea;background:#fff}"
    "pre{font-size:12px;background:#f6f7f9;padding:6px;margin:4px 0}summary{cursor:pointer;color:#1f4e9c}";

void chart_section(std::ostream& o, const char* title, const std::vector<Chart>& charts, const std::string& prefix, bool match) {
  std::ostringstream body;
  for (const Chart& c : charts) {
    const bool is = c.id.compare(0, prefix.size(), prefix) == 0;
    if (is == match) body << render_svg(c);
  }
  if (!body.str().empty()) o << "<h2>" << title << "</h2>\n<div class=\"charts\">\n" << body.str() << "</div>\n";
}

}  // namespace

std::string duration_text(double s) {
  char buf[32];
  if (s < 120) std::snprintf(buf, sizeof buf, "%.1f s", s);
  else if (s < 2 * 3600) std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
  else std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  return buf;
}

std::vector<BestRow> best_rows(const std::vector<Run>& runs) {
  std::map<std::string, BestRow> rows;  // by "format field"
  auto row = [&](const std::string& key) -> BestRow& {
    BestRow& r = rows[key];
    if (r.format.empty()) {
      std::tie(r.format, r.field) = split_key(key);
      try {
        const Format f = Format::parse(r.format);
        r.naive = f.naive_rank();
        r.known = best_known(f, r.field);
      } catch (const std::exception&) {
      }
    }
    return r;
  };
  for (const Run& run : runs) {
    std::map<std::string, int> mine;
    for (const auto& [key, points] : run.ranks)
      for (const RankPoint& p : points) {
        BestRow& r = row(key);
        if (r.rank < 0 || p.rank < r.rank || (p.rank == r.rank && r.run == run.label && p.t < r.t))
          r.rank = p.rank, r.run = run.label, r.source = p.source, r.t = p.t, r.file = nullptr, r.detail.clear();
        mine[key] = mine.count(key) ? std::min(mine[key], p.rank) : p.rank;
      }
    for (const SchemeFile& f : run.schemes) {
      if (!f.valid) continue;
      const std::string key = f.format.str() + " " + field_name(f.field);
      BestRow& r = row(key);
      if (r.rank < 0 || f.rank < r.rank) r.rank = f.rank, r.run = run.label, r.source.clear(), r.t = -1, r.detail.clear();
      if (f.rank == r.rank && !r.file) r.file = &f;  // another run's file of the best rank will do
      mine[key] = mine.count(key) ? std::min(mine[key], f.rank) : f.rank;
    }
    for (const auto& [key, rank] : mine) row(key).per_run.push_back({run.label, rank});
    for (auto& [key, r] : rows) {
      auto it = run.found_as.find(key + " " + std::to_string(r.rank));
      if (r.run == run.label && it != run.found_as.end()) r.detail = it->second;
    }
  }
  std::vector<BestRow> out;
  for (auto& [key, r] : rows) out.push_back(r);
  return out;
}

std::vector<Chart> build_charts(const std::vector<Run>& runs) {
  std::vector<Chart> charts;
  std::vector<std::string> keys;
  for (const Run& r : runs)
    for (const auto& [key, points] : r.ranks)
      if (!points.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (const std::string& k : keys) charts.push_back(rank_chart(runs, k));
  for (const SeriesSpec& spec : kSeries) {
    Chart c = series_chart(runs, spec);
    if (!c.series.empty()) charts.push_back(std::move(c));
  }
  return charts;
}

std::string render_html(const std::vector<Run>& runs, const std::string& html_path, int refresh_seconds) {
  std::ostringstream o;
  std::string labels;
  for (const Run& r : runs) labels += (labels.empty() ? "" : ", ") + r.label;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  if (refresh_seconds > 0) o << "<meta http-equiv=\"refresh\" content=\"" << refresh_seconds << "\">";
  o << "<title>alphatensor report: " << escape(labels) << "</title><style>" << kStyle << "</style></head><body>\n";
  o << "<h1>alphatensor report: " << escape(labels) << "</h1>\n<p class=\"meta\">Written " << now_utc() << " by alphatensor "
    << escape(build_info().version) << " from " << runs.size() << " run folder(s)"
    << (refresh_seconds > 0 ? "; rewritten every " + std::to_string(refresh_seconds) + " s while the run goes on" : "")
    << ". Hover a marker for its rank, time and source.</p>\n";
  scheme_table(o, runs, best_rows(runs), html_path);
  run_table(o, runs);
  const std::vector<Chart> charts = build_charts(runs);
  chart_section(o, "Best rank over time", charts, "rank-", true);
  chart_section(o, "Learning and throughput", charts, "rank-", false);
  if (charts.empty()) o << "<p>No metrics to chart yet.</p>\n";
  o << "</body></html>\n";
  return o.str();
}

std::string render_text(const std::vector<Run>& runs) {
  std::ostringstream o;
  o << std::left << std::setw(9) << "format" << std::setw(6) << "field" << std::right << std::setw(6) << "naive"
    << std::setw(7) << "known" << std::setw(7) << "found" << std::setw(5) << "gap" << "  " << std::left << std::setw(22)
    << "source" << std::setw(10) << "after" << std::setw(14) << "run" << "file\n";
  for (const BestRow& r : best_rows(runs)) {
    o << std::left << std::setw(9) << r.format << std::setw(6) << r.field << std::right << std::setw(6) << r.naive
      << std::setw(7) << (r.known > 0 ? std::to_string(r.known) : "-") << std::setw(7)
      << (r.rank > 0 ? std::to_string(r.rank) : "-") << std::setw(5)
      << (r.known > 0 && r.rank > 0 ? std::to_string(r.rank - r.known) : "-") << "  " << std::left << std::setw(22)
      << (r.source.empty() ? "-" : source_style(r.source).label) << std::setw(10) << (r.t >= 0 ? duration_text(r.t) : "-")
      << std::setw(14) << r.run << (r.file ? r.file->path + (r.file->valid ? "" : " (does not verify)") : "-") << "\n";
  }
  for (const Run& r : runs)
    for (const std::string& n : r.notes) o << "note (" << r.label << "): " << n << "\n";
  return o.str();
}

}  // namespace at::report
