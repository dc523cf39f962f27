#pragma once
// What a run folder of `train`, `search` or `improve` holds, read for the report: the new best
// ranks over time with their source, learner losses, throughput, the start settings, the best
// scheme files, and a note of everything skipped. Reading never throws on bad content: what
// cannot be read becomes a note.
#include <map>
#include <string>
#include <vector>

#include "core/scheme.hpp"

namespace at::report {

struct Point {
  double x, y;
};

// A new best rank of one target: when (seconds since the run started) and where it came from.
struct RankPoint {
  double t;
  int rank;
  std::string source;  // selfplay, completion, polish, flip graph, search, start, unknown
};

struct SchemeFile {
  std::string path;
  Format format;
  Field field = Field::Z;
  int rank = 0;
  bool valid = false;  // verified exactly now, in its field
  std::vector<std::string> multiplications, elements;
};

// Series names (Run::series): x is the learner step for the losses, else seconds.
inline constexpr const char* kLossPolicy = "loss_policy";
inline constexpr const char* kLossValue = "loss_value";
inline constexpr const char* kSimsPerS = "sims_per_s";
inline constexpr const char* kGamesPerS = "games_per_s";
inline constexpr const char* kMeanBatch = "mean_batch";
inline constexpr const char* kFlipsPerS = "flips_per_s";

struct Run {
  std::string dir, label;
  bool exists = false;                                     // the folder is there
  std::string kind = "unknown";                           // train, search, improve
  std::map<std::string, std::vector<RankPoint>> ranks;     // "2x2x2 Z2" -> new bests, in time order
  std::map<std::string, std::vector<Point>> series;        // see the names above
  std::map<std::string, std::string> settings;             // the start event's scalars
  std::vector<SchemeFile> schemes;                         // the best file per (format, field)
  std::map<std::string, std::string> found_as;             // "2x2x2 Z2 7" -> found.jsonl's first source text
  std::vector<std::string> notes;                          // what was skipped, and why
  double end = 0;                                          // last time seen (seconds)
  long events = 0;                                         // metrics lines read
  int polished = 0, polish_improved = 0;                   // train --polish: schemes walked, improved
  bool readable() const { return events > 0 || !schemes.empty() || !ranks.empty(); }
};

// `path` is a run folder (metrics.jsonl, schemes/found.jsonl, schemes/*.json|.exp) or a metrics
// file itself.
Run load_run(const std::string& path);

// Source of a found.jsonl or new_best entry: "selfplay step 3" -> selfplay, "improve seed 1" ->
// flip graph, "polish of completion step 2" -> polish.
std::string source_kind(const std::string& text);

}  // namespace at::report
