#include "report/run.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sys/stat.h>

#include "core/scheme_io.hpp"
#include "report/jsonl.hpp"

namespace at::report {
namespace {

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string base_name(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string key_of(const std::string& format, const std::string& field) { return format + " " + field; }

// Counts of what a metrics file held that the report could not use.
struct Skipped {
  long malformed = 0, first_malformed = 0, incomplete = 0;
  bool torn_last = false;
  long torn_line = 0;
  std::map<std::string, long> unknown;
};

class MetricsReader {
 public:
  explicit MetricsReader(Run& run) : run_(run) {}

  void line(const JsonLine& j, long number, Skipped& skipped) {
    std::string event = j.string("event");
    if (event.empty() && j.get("loss_policy")) event = "iteration";  // early versions wrote no kind
    double t = -1;
    if (!j.number("elapsed", t)) j.number("seconds", t);
    if (event == "start" && started_++ > 0) {
      // Another session in the same folder (improve rerun: its clock starts again; a resumed
      // train continues its own): place it after the previous one.
      ++sessions_;
      offset_ = std::max(offset_, run_.end - std::max(t, 0.0));
    }
    if (t >= 0) t += offset_, run_.end = std::max(run_.end, t);
    ++run_.events;
    if (event == "start") return start(j);
    if (event == "iteration" || event == "stopped" || event == "finished" || event == "progress") {
      if (t < 0) return incomplete(number, skipped);
      return throughput(j, t, event == "iteration");
    }
    if (event == "new_best" || event == "best") return best(j, t, event == "best", number, skipped);
    if (event == "polish") {
      double in = 0, out = 0;
      ++run_.polished;
      if (j.number("rank_in", in) && j.number("rank_out", out) && out < in) ++run_.polish_improved;
      return;
    }
    if (event == "game" || event == "done") return;
    --run_.events;
    ++skipped.unknown[event.empty() ? "(no event field)" : event];
  }

  // Improve logs its start scheme as a first `best`; mark it so, not as a flip-graph find.
  void finish() {
    if (sessions_ > 0)
      run_.notes.push_back(std::to_string(sessions_ + 1) + " sessions in one metrics file (resumed or rerun in the "
                           "same folder): shown one after another");
    for (auto& [key, points] : run_.ranks) {
      auto it = start_rank_.find(key);
      if (it != start_rank_.end() && !points.empty() && points.front().rank == it->second &&
          points.front().source == "flip graph")
        points.front().source = "start";
      std::stable_sort(points.begin(), points.end(), [](const RankPoint& a, const RankPoint& b) { return a.t < b.t; });
    }
  }

 private:
  void incomplete(long number, Skipped& skipped) {
    --run_.events;
    ++skipped.incomplete;
    if (!skipped.first_malformed) skipped.first_malformed = number;
  }

  void start(const JsonLine& j) {
    for (const auto& [k, v] : j.fields) {
      if (k == "event") continue;
      std::string& slot = run_.settings[std::string(k)];
      if (v.kind == JsonValue::String) {
        slot = v.str();
      } else if (v.kind == JsonValue::Bool) {
        slot = v.number ? "true" : "false";
      } else {
        slot = std::string(v.kind == JsonValue::Null ? "null" : v.text);  // a number as written
      }
    }
    if (j.get("pool_size")) {
      run_.kind = "improve";
      double rank;
      if (j.number("rank", rank)) start_rank_[key_of(j.string("format"), j.string("field"))] = int(rank);
    } else if (j.get("virtual_loss")) {
      run_.kind = "search";
    } else if (j.get("r_limit")) {
      run_.kind = "train";
    }
  }

  void throughput(const JsonLine& j, double t, bool learner) {
    double v;
    if (learner) {
      double step;
      if (run_.kind == "unknown") run_.kind = "train";
      if (j.number("step", step)) {
        if (j.number("loss_policy", v)) run_.series[kLossPolicy].push_back({step, v});
        if (j.number("loss_value", v)) run_.series[kLossValue].push_back({step, v});
      }
    }
    if (j.number("sims_per_s", v)) run_.series[kSimsPerS].push_back({t, v});
    if (j.number("mean_batch", v)) run_.series[kMeanBatch].push_back({t, v});
    if (j.number("flips_per_second", v)) run_.series[kFlipsPerS].push_back({t, v});
    if (j.number("games_per_s", v)) {
      run_.series[kGamesPerS].push_back({t, v});
    } else if (j.get("sims_per_s") && j.number("games", v) && t > 0) {  // search: games over the run so far
      run_.series[kGamesPerS].push_back({t, v / t});
    }
  }

  void best(const JsonLine& j, double t, bool improve, long number, Skipped& skipped) {
    double rank;
    const std::string format = j.string(improve ? "format" : "target");
    if (t < 0 || !j.number("rank", rank) || format.empty()) return incomplete(number, skipped);
    std::string source = j.string("source");
    if (improve) {
      source = "flip graph";
      if (run_.kind == "unknown") run_.kind = "improve";
    } else if (source.empty()) {
      source = run_.kind == "search" ? "search" : "unknown";
    }
    auto& points = run_.ranks[key_of(format, j.string("field"))];
    // Only new bests of the run: a rerun of improve in the same folder starts again from its start.
    if (points.empty() || int(rank) < points.back().rank) points.push_back({t, int(rank), source});
  }

  Run& run_;
  std::map<std::string, int> start_rank_;  // improve: the start scheme's rank per target
  int started_ = 0, sessions_ = 0;         // start events seen; sessions after the first
  double offset_ = 0;                      // added to the times of the current session
};

void add_notes(Run& run, const std::string& file, const Skipped& s) {
  if (s.torn_last)
    run.notes.push_back(file + ": the last line (" + std::to_string(s.torn_line) +
                        ") is incomplete, the run was probably stopped while writing it; skipped");
  if (s.malformed)
    run.notes.push_back(file + ": " + std::to_string(s.malformed) + " malformed line(s) skipped (first: line " +
                        std::to_string(s.first_malformed) + ")");
  if (s.incomplete)
    run.notes.push_back(file + ": " + std::to_string(s.incomplete) +
                        " line(s) without the fields this version reads (an older version?) skipped");
  if (!s.unknown.empty()) {
    long n = 0;
    std::string kinds;
    for (const auto& [k, c] : s.unknown) {
      n += c;
      kinds += (kinds.empty() ? "" : ", ") + k + " (" + std::to_string(c) + ")";
    }
    run.notes.push_back(file + ": " + std::to_string(n) + " line(s) of unknown event kinds skipped: " + kinds);
  }
}

// Calls f(line, last) for each line of the file, read in large blocks (getline was a good part
// of the time on a million lines); `last` marks a final line without its newline.
template <class F>
bool for_each_line(const std::string& file, F f) {
  FILE* in = std::fopen(file.c_str(), "rb");
  if (!in) return false;
  std::string buf;
  std::vector<char> block(size_t(8) << 20);
  size_t got;
  while ((got = std::fread(block.data(), 1, block.size(), in)) > 0) {
    buf.append(block.data(), got);
    size_t start = 0;
    for (const char* nl; (nl = static_cast<const char*>(std::memchr(buf.data() + start, '\n', buf.size() - start)));) {
      f(std::string_view(buf.data() + start, size_t(nl - buf.data()) - start), false);
      start = size_t(nl - buf.data()) + 1;
    }
    buf.erase(0, start);
  }
  std::fclose(in);
  if (!buf.empty()) f(std::string_view(buf), true);
  return true;
}

void read_metrics(Run& run, const std::string& file) {
  MetricsReader reader(run);
  Skipped skipped;
  JsonLine j;
  long number = 0;
  const bool opened = for_each_line(file, [&](std::string_view text, bool last) {
    ++number;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) return;
    if (parse_json_line(text, j)) {
      reader.line(j, number, skipped);
    } else if (last) {  // no newline after it: cut off mid-write
      skipped.torn_last = true;
      skipped.torn_line = number;
    } else if (!skipped.malformed++) {
      skipped.first_malformed = number;
    }
  });
  if (!opened) {
    run.notes.push_back("no " + file);
    return;
  }
  reader.finish();
  if (number == 0) run.notes.push_back(file + ": empty");
  add_notes(run, file, skipped);
}

// found.jsonl: where each recorded scheme came from. Used for the rank history only when the
// metrics gave none for that target (a run without metrics, or metrics lost).
void read_found(Run& run, const std::string& file) {
  std::ifstream in(file);
  if (!in) return;
  std::map<std::string, std::vector<RankPoint>> found;
  double t0 = -1;
  JsonLine j;
  std::string text;
  long bad = 0;
  while (std::getline(in, text)) {
    double ms, rank;
    if (!parse_json_line(text, j) || !j.number("time", ms) || !j.number("rank", rank)) {
      bad += text.find_first_not_of(" \t\r") != std::string::npos;
      continue;
    }
    if (t0 < 0) t0 = ms;
    const std::string key = key_of(j.string("format"), j.string("field"));
    run.found_as.emplace(key + " " + std::to_string(int(rank)), j.string("source"));
    auto& points = found[key];
    if (points.empty() || rank < points.back().rank)
      points.push_back({(ms - t0) / 1000.0, int(rank), source_kind(j.string("source"))});
  }
  if (bad) run.notes.push_back(file + ": " + std::to_string(bad) + " unreadable line(s) skipped");
  for (auto& [key, points] : found) {
    if (run.ranks.count(key)) continue;
    for (const RankPoint& p : points) run.end = std::max(run.end, p.t);
    run.ranks[key] = std::move(points);
  }
}

void read_schemes(Run& run, const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.push_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::map<std::pair<std::string, int>, std::pair<Scheme, std::string>> best;
  for (const std::string& n : names) {
    if (!ends_with(n, ".json") && !ends_with(n, ".exp")) continue;
    try {
      Scheme s = read_scheme(dir + "/" + n);
      auto& slot = best[{s.format.str(), int(s.field)}];
      if (slot.second.empty() || s.rank() < slot.first.rank()) slot = {std::move(s), dir + "/" + n};
    } catch (const std::exception& e) {
      run.notes.push_back(std::string(e.what()) + "; skipped");
    }
  }
  for (auto& [key, entry] : best) {
    const Scheme& s = entry.first;
    SchemeFile f{entry.second, s.format, s.field, s.rank(), verify(s).ok, {}, {}};
    if (f.valid) {
      f.multiplications = multiplication_formulas(s);
      f.elements = element_formulas(s);
    }
    run.schemes.push_back(std::move(f));
  }
}

}  // namespace

std::string source_kind(const std::string& text) {
  const std::string word = text.substr(0, text.find(' '));
  if (word == "improve") return "flip graph";
  if (word == "selfplay" || word == "completion" || word == "polish" || word == "search") return word;
  return "unknown";
}

Run load_run(const std::string& path) {
  Run run;
  std::string dir = path, metrics = path + "/metrics.jsonl";
  if (!is_dir(path) && ends_with(path, ".jsonl")) {
    const size_t slash = path.find_last_of('/');
    dir = slash == std::string::npos ? "." : path.substr(0, slash);
    metrics = path;
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  run.dir = dir;
  run.label = base_name(dir);
  if (!is_dir(dir)) {
    run.notes.push_back(dir + ": no such folder");
    return run;
  }
  run.exists = true;
  read_metrics(run, metrics);
  read_found(run, dir + "/schemes/found.jsonl");
  read_schemes(run, dir + "/schemes");
  return run;
}

}  // namespace at::report
