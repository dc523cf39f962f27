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
#include "tools/cli.hpp"

namespace at::cli {
namespace {

Format sorted_format(const Format& f) {
  int d[3] = {f.n, f.m, f.p};
  std::sort(d, d + 3);
  return Format{d[0], d[1], d[2]};
}

// Best verified rank per (sorted format, field). Rank is invariant under format permutations.
using Ours = std::map<std::pair<Format, Field>, int>;

void consider(Ours& ours, const Scheme& s) {
  if (!verify(s).ok) return;
  const auto key = std::make_pair(sorted_format(s.format), s.field);
  auto it = ours.find(key);
  if (it == ours.end() || s.rank() < it->second) ours[key] = s.rank();
}

void scan(Ours& ours, const std::string& dir, bool must_exist) {
  std::vector<std::string> paths;
  try {
    paths = scheme_files(dir);
  } catch (const InputError&) {
    if (must_exist) throw;
    return;
  }
  for (const std::string& path : paths) {
    try {
      consider(ours, read_scheme(path));
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
  consider(ours, strassen_scheme());
  if (vm.count("schemes"))
    for (const std::string& d : vm["schemes"].as<std::vector<std::string>>()) scan(ours, d, true);
  else
    scan(ours, "out/schemes", false);
  const nlohmann::json records = nlohmann::json::parse(best_known_ranks_json());
  auto our = [&](const Format& f, Field field) -> std::string {
    // A naive scheme always exists; a Z scheme also holds mod 2 (its reduction).
    int best = f.naive_rank();
    for (Field g : field == Field::Z2 ? std::vector<Field>{Field::Z2, Field::Z} : std::vector<Field>{field}) {
      auto it = ours.find({f, g});
      if (it != ours.end()) best = std::min(best, it->second);
    }
    return std::to_string(best);
  };
  const bool as_json = vm["json"].as<bool>();
  if (!as_json)
    std::cout << std::left << std::setw(8) << "format" << std::right << std::setw(6) << "naive" << std::setw(9)
              << "best Z2" << std::setw(8) << "best Z" << std::setw(9) << "best Q" << std::setw(9) << "AT Z2"
              << std::setw(7) << "AT Z" << std::setw(9) << "ours Z2" << std::setw(8) << "ours Z" << "\n";
  for (const auto& row : records["formats"]) {
    const Format f{row["format"][0].get<int>(), row["format"][1].get<int>(), row["format"][2].get<int>()};
    if (as_json) {
      nlohmann::json j = row;
      j["ours_Z2"] = std::stoi(our(f, Field::Z2));
      j["ours_Z"] = std::stoi(our(f, Field::Z));
      std::cout << j.dump() << "\n";
      continue;
    }
    std::cout << std::left << std::setw(8) << f.str() << std::right << std::setw(6) << cell(row, "naive")
              << std::setw(9) << cell(row, "best_Z2") << std::setw(8) << cell(row, "best_Z") << std::setw(9)
              << cell(row, "best_any_field") << std::setw(9) << cell(row, "alphatensor_Z2") << std::setw(7)
              << cell(row, "alphatensor_Z") << std::setw(9) << our(f, Field::Z2) << std::setw(8) << our(f, Field::Z)
              << "\n";
  }
  if (!as_json)
    std::cout << "\nbest known: published records (see `about` in data/best_known_ranks.json); AT: the AlphaTensor\n"
                 "paper; ours: verified schemes found in the scanned folders, Strassen, or the naive scheme.\n";
  return kOk;
}

}  // namespace at::cli
