#include "core/scheme_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <dirent.h>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/files.hpp"
#include "core/scheme_io.hpp"

namespace at {
namespace {

uint64_t mix(uint64_t h, uint64_t x) {
  h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

uint64_t hash_row(const Rational* x, int n, uint64_t h) {
  for (int i = 0; i < n; ++i) h = mix(mix(h, uint64_t(x[i].num())), uint64_t(x[i].den()));
  return h;
}

}  // namespace

uint64_t scheme_hash(const Scheme& s) {
  std::vector<uint64_t> terms;
  for (int r = 0; r < s.rank(); ++r) {
    uint64_t h = hash_row(s.u_row(r), s.format.a_size(), 1);
    h = hash_row(s.v_row(r), s.format.b_size(), h);
    terms.push_back(hash_row(s.w_row(r), s.format.c_size(), h));
  }
  std::sort(terms.begin(), terms.end());
  uint64_t h = mix(uint64_t(s.format.n * 289 + s.format.m * 17 + s.format.p), uint64_t(s.field));
  for (uint64_t t : terms) h = mix(h, t);
  return h;
}

std::vector<FoundEntry> read_found_log(const std::string& schemes_dir) {
  std::vector<FoundEntry> out;
  for_each_line(schemes_dir + "/found.jsonl", [&](const std::string& line) {
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      out.push_back({j.at("format").get<std::string>(), parse_field(j.at("field").get<std::string>()),
                     j.at("rank").get<int>(), j.value("source", std::string())});
    } catch (const std::exception&) {
      // a line cut short by a kill, or not ours
    }
  });
  return out;
}

SchemeStore::SchemeStore(const std::string& out_dir) : dir_(out_dir + "/schemes") {
  make_dirs(dir_);
  // What a killed writer left: its temporary files, a torn last log line.
  remove_stale_temp_files(dir_);
  if (const size_t n = repair_last_line(log_path()))
    std::fprintf(stderr, "warning: %s: dropped a torn last line (%zu bytes)\n", log_path().c_str(), n);
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() < 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    try {
      const Scheme s = read_scheme(dir_ + "/" + name);
      if (!verify(s).ok) continue;
      const auto key = std::make_pair(s.format.str(), int(s.field));
      auto it = best_.find(key);
      if (it == best_.end() || s.rank() < it->second) best_[key] = s.rank();
      const std::pair<int, long> mine{s.rank(), scheme_stats(s).additions_cse};
      auto few = fewest_.find(key);
      if (few == fewest_.end() || mine < few->second) fewest_[key] = mine;
      seen_.insert(scheme_hash(s));
    } catch (const std::exception&) {
      // A foreign or damaged file in the folder is not ours to judge; the log keeps our finds.
    }
  }
  ::closedir(d);
}

std::string SchemeStore::path_for(const Format& f, int rank, Field field) const {
  return dir_ + "/" + f.str() + "_r" + std::to_string(rank) + "_" + field_name(field) + ".json";
}

std::string SchemeStore::additions_path_for(const Format& f, int rank, Field field) const {
  return dir_ + "/" + f.str() + "_r" + std::to_string(rank) + "_" + field_name(field) + "_fewest_additions.json";
}

int SchemeStore::best_rank(const Format& f, Field field) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = best_.find({f.str(), int(field)});
  return it == best_.end() ? -1 : it->second;
}

SchemeStore::Outcome SchemeStore::offer(const Scheme& s, const std::string& source, bool by_additions) {
  if (!verify(s).ok) return Outcome::Invalid;  // never record what did not verify exactly
  const uint64_t h = scheme_hash(s);
  const long additions = scheme_stats(s).additions_cse;  // outside the lock: the costly part
  std::lock_guard<std::mutex> lock(mu_);
  const auto key = std::make_pair(s.format.str(), int(s.field));
  auto it = best_.find(key);
  const bool better = it == best_.end() || s.rank() < it->second;
  if (!better && s.rank() > it->second) return Outcome::NotBetter;
  auto few = fewest_.find(key);
  const std::pair<int, long> mine{s.rank(), additions};
  const bool fewer = few == fewest_.end() || mine < few->second;
  const bool by_fewer = by_additions && !better && fewer;
  if (!better && !by_fewer && seen_.count(h)) return Outcome::Duplicate;
  if (better) write_scheme(path_for(s.format, s.rank(), s.field), s);
  if (by_additions && fewer) write_scheme(additions_path_for(s.format, s.rank(), s.field), s);
  nlohmann::json line = {
      {"time", std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count()},
      {"format", s.format.str()}, {"field", field_name(s.field)}, {"rank", s.rank()}, {"additions", additions},
      {"source", source}, {"scheme", nlohmann::json::parse(scheme_to_json(s))}};
  if (by_fewer) line["objective"] = "additions";
  append_line(log_path(), line.dump());
  best_[key] = s.rank();
  if (fewer) fewest_[key] = mine;
  seen_.insert(h);
  return better ? Outcome::NewBest : by_fewer ? Outcome::FewerAdditions : Outcome::NewDistinct;
}

}  // namespace at
