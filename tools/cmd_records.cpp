// alphatensor records: our best verified schemes against the best known ranks compiled into the
// binary (data/best_known_ranks.json).
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/build_info.hpp"
#include "core/builtin.hpp"
#include "core/scheme_io.hpp"
#include "core/scheme_store.hpp"
#include "tools/cli.hpp"

namespace at::cli {
namespace {

// Best verified rank per (sorted format, field). Rank is invariant under format permutations.
// Copied seeds (found.jsonl says so: a campaign seeded from data/ or a user's folder) are kept
// apart, so that "ours" only counts what our searches and constructions reached.
using Ranks = std::map<std::pair<Format, Field>, int>;
struct Ours {
  Ranks own, copied;
};

void consider(Ranks& ranks, const Scheme& s) {
  if (!verify(s).ok) return;
  const auto key = std::make_pair(s.format.sorted(), s.field);
  auto it = ranks.find(key);
  if (it == ranks.end() || s.rank() < it->second) ranks[key] = s.rank();
}

void scan(Ours& ours, const std::string& dir, bool must_exist) {
  const std::vector<FoundEntry> log = read_found_log(dir);
  for (const std::string& path : scheme_files_in(dir, must_exist)) {
    try {
      const Scheme s = read_scheme(path);
      // The file of a (format, field, rank) was written by the first log line of that rank.
      bool copied = false;
      for (const FoundEntry& e : log)
        if (e.format == s.format.str() && e.field == s.field && e.rank == s.rank()) {
          copied = e.source.rfind(kCopiedSourcePrefix, 0) == 0;
          break;
        }
      consider(copied ? ours.copied : ours.own, s);
    } catch (const InputError& e) {
      std::cerr << "alphatensor records: skipping " << e.what() << "\n";
    }
  }
}

std::string cell(const nlohmann::json& row, const char* key) {
  return row.contains(key) ? std::to_string(row[key].get<int>()) : "-";
}

}  // namespace

int cmd_records(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("schemes", po::value<std::vector<std::string>>(), "folder of our schemes (repeatable; default: out/schemes if present)")
      ("json", po::bool_switch(), "one JSON object per format");
  po::variables_map vm;
  if (!parse("records", "[--schemes DIR]... [--json]", args, opts, {}, vm)) return kOk;
  Ours ours;
  consider(ours.own, strassen_scheme());
  if (vm.count("schemes"))
    for (const std::string& d : vm["schemes"].as<std::vector<std::string>>()) scan(ours, d, true);
  else
    scan(ours, "out/schemes", false);
  const nlohmann::json records = nlohmann::json::parse(best_known_ranks_json());
  // Best rank in `ranks`: a Z scheme also holds mod 2 (its reduction); -1 when none.
  auto best = [](const Ranks& ranks, const Format& f, Field field) {
    int b = -1;
    for (Field g : field == Field::Z2 ? std::vector<Field>{Field::Z2, Field::Z} : std::vector<Field>{field}) {
      auto it = ranks.find({f, g});
      if (it != ranks.end() && (b < 0 || it->second < b)) b = it->second;
    }
    return b;
  };
  // Ours: a naive scheme always exists.
  auto our = [&](const Format& f, Field field) {
    const int b = best(ours.own, f, field);
    return b < 0 ? f.naive_rank() : std::min(b, f.naive_rank());
  };
  auto copied = [&](const Format& f, Field field) {
    const int b = best(ours.copied, f, field);
    return b < 0 || b >= our(f, field) ? std::string("-") : std::to_string(b);
  };
  const bool any_copied = !ours.copied.empty();
  const bool as_json = vm["json"].as<bool>();
  if (!as_json) {
    std::cout << std::left << std::setw(8) << "format" << std::right << std::setw(6) << "naive" << std::setw(9)
              << "best Z2" << std::setw(8) << "best Z" << std::setw(9) << "best Q" << std::setw(9) << "AT Z2"
              << std::setw(7) << "AT Z" << std::setw(9) << "ours Z2" << std::setw(8) << "ours Z";
    if (any_copied) std::cout << std::setw(11) << "copied Z2" << std::setw(10) << "copied Z";
    std::cout << "\n";
  }
  for (const auto& row : records["formats"]) {
    const Format f{row["format"][0].get<int>(), row["format"][1].get<int>(), row["format"][2].get<int>()};
    if (as_json) {
      nlohmann::json j = row;
      j["ours_Z2"] = our(f, Field::Z2);
      j["ours_Z"] = our(f, Field::Z);
      for (auto [key, field] : {std::make_pair("copied_Z2", Field::Z2), std::make_pair("copied_Z", Field::Z)})
        if (copied(f, field) != "-") j[key] = std::stoi(copied(f, field));
      std::cout << j.dump() << "\n";
      continue;
    }
    std::cout << std::left << std::setw(8) << f.str() << std::right << std::setw(6) << cell(row, "naive")
              << std::setw(9) << cell(row, "best_Z2") << std::setw(8) << cell(row, "best_Z") << std::setw(9)
              << cell(row, "best_any_field") << std::setw(9) << cell(row, "alphatensor_Z2") << std::setw(7)
              << cell(row, "alphatensor_Z") << std::setw(9) << our(f, Field::Z2) << std::setw(8) << our(f, Field::Z);
    if (any_copied) std::cout << std::setw(11) << copied(f, Field::Z2) << std::setw(10) << copied(f, Field::Z);
    std::cout << "\n";
  }
  if (!as_json)
    std::cout << "\nbest known: published records (see `about` in data/best_known_ranks.json); AT: the AlphaTensor\n"
                 "paper; ours: verified schemes our searches and constructions found in the scanned folders,\n"
                 "Strassen, or the naive scheme"
              << (any_copied ? "; copied: seeds a campaign copied from data/ or --from-dir (found.jsonl),\n"
                               "shown only where lower than ours.\n"
                             : ".\n");
  return kOk;
}

}  // namespace at::cli
