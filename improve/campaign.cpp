#include "improve/campaign.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>

#include "core/build_info.hpp"
#include "core/builtin.hpp"
#include "core/files.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "core/scheme_store.hpp"
#include "improve/lift.hpp"
#include "improve/meta.hpp"
#include "improve/run.hpp"
#include "improve/search.hpp"

namespace at::improve {

using nlohmann::json;

std::vector<Format> parse_formats(const std::string& spec) {
  if (spec.rfind("all<=", 0) == 0) {
    const std::string num = spec.substr(5);
    const int n = num.size() == 1 || num.size() == 2 ? std::atoi(num.c_str()) : 0;
    if (n < 2 || n > kMaxDim) throw std::invalid_argument("'" + spec + "': expected all<=N with N in 2.." + std::to_string(kMaxDim));
    std::vector<Format> out;
    for (int a = 2; a <= n; ++a)
      for (int b = a; b <= n; ++b)
        for (int c = b; c <= n; ++c) out.push_back({a, b, c});
    return out;
  }
  return {Format::parse(spec).sorted()};
}

std::vector<Format> schedule_order(std::vector<Format> formats) {
  std::sort(formats.begin(), formats.end(), [](const Format& a, const Format& b) {
    return a.naive_rank() != b.naive_rank() ? a.naive_rank() < b.naive_rank() : a < b;
  });
  formats.erase(std::unique(formats.begin(), formats.end()), formats.end());
  return formats;
}

int best_known_rank(const Format& f, Field field) {
  static const json records = json::parse(best_known_ranks_json());
  const Format s = f.sorted();
  const char* key = field == Field::Z2 ? "best_Z2" : field == Field::Z ? "best_Z" : "best_any_field";
  for (const json& row : records["formats"])
    if (row["format"][0] == s.n && row["format"][1] == s.m && row["format"][2] == s.p && row.contains(key))
      return row[key].get<int>();
  return s.naive_rank();
}

bool to_campaign_field(Scheme& s, Field field, int bound) {
  try {
    if (is_modular(field)) {
      if (is_modular(s.field) && s.field != field) return false;
      Scheme r = s.reduced_mod(field);
      if (!verify(r).ok) return false;
      s = std::move(r);
      return true;
    }
    if (s.field == Field::Q && !s.all_integer()) return false;
    if (is_modular(s.field) || s.max_abs_numerator() > bound) return false;
    s.field = Field::Z;
    return verify(s).ok;
  } catch (const std::exception&) {  // a denominator divisible by the prime
    return false;
  }
}

namespace {

int& dim(Format& f, int axis) { return axis == 0 ? f.n : axis == 1 ? f.m : f.p; }
int dim(const Format& f, int axis) { return axis == 0 ? f.n : axis == 1 ? f.m : f.p; }
bool has_unit_dim(const Format& f) { return f.n == 1 || f.m == 1 || f.p == 1; }

// The products f = g1 (x) g2 with neither factor trivial, each unordered pair once.
std::vector<std::pair<Format, Format>> factorizations(const Format& f) {
  std::vector<std::pair<Format, Format>> out;
  for (int n1 = 1; n1 <= f.n; ++n1)
    for (int m1 = 1; m1 <= f.m; ++m1)
      for (int p1 = 1; p1 <= f.p; ++p1) {
        if (f.n % n1 || f.m % m1 || f.p % p1) continue;
        const Format g1{n1, m1, p1}, g2{f.n / n1, f.m / m1, f.p / p1};
        if (g1.naive_rank() == 1 || g2.naive_rank() == 1 || g2 < g1) continue;
        out.push_back({g1, g2});
      }
  return out;
}

// A scheme for format g (any orientation): the known one of its sorted format, permuted, else the
// naive one (optimal when a dimension is 1).
Scheme part(const Format& g, const KnownMap& known, Field field, bool& ours, std::string& name) {
  name = g.str();
  auto it = has_unit_dim(g) ? known.end() : known.find(g.sorted());
  if (it == known.end()) return naive_scheme(g, field);
  ours = ours && it->second.ours;
  name += " r" + std::to_string(it->second.scheme.rank());
  return to_format(it->second.scheme, g);
}

}  // namespace

std::vector<Format> parts_of(const Format& f) {
  std::set<Format> out;
  for (int axis = 0; axis < 3; ++axis) {
    const int d = dim(f, axis);
    for (int x = 1; x < d; ++x) {
      Format g = f;
      dim(g, axis) = x;
      out.insert(g.sorted());  // the sum parts (x and d-x) and the extension source (d-1)
    }
    if (d < kMaxDim) {
      Format g = f;
      dim(g, axis) = d + 1;
      out.insert(g.sorted());
    }
  }
  for (const auto& [g1, g2] : factorizations(f)) {
    out.insert(g1.sorted());
    out.insert(g2.sorted());
  }
  std::vector<Format> v;
  for (const Format& g : out)
    if (!has_unit_dim(g) && g != f) v.push_back(g);
  return v;
}

std::vector<Candidate> seed_candidates(const Format& f, const KnownMap& known, Field field, int bound) {
  std::vector<Candidate> raw;
  if (auto it = known.find(f); it != known.end())
    raw.push_back({it->second.scheme, it->second.ours, "best so far (" + it->second.origin + ")"});
  raw.push_back({naive_scheme(f, field), true, "naive"});
  auto add = [&](const std::function<Scheme(bool&, std::string&)>& build) {
    bool ours = true;
    std::string origin;
    try {
      raw.push_back({build(ours, origin), ours, origin});
    } catch (const std::invalid_argument&) {  // a construction that does not apply
    }
  };
  for (int axis = 0; axis < 3; ++axis) {
    const int d = dim(f, axis);
    for (int x = 1; x <= d / 2; ++x)
      add([&](bool& ours, std::string& origin) {
        Format g1 = f, g2 = f;
        dim(g1, axis) = x;
        dim(g2, axis) = d - x;
        std::string n1, n2;
        Scheme s = direct_sum(part(g1, known, field, ours, n1), part(g2, known, field, ours, n2), axis);
        origin = "sum axis " + std::to_string(axis) + " of " + n1 + " + " + n2;
        return s;
      });
    if (d >= 2)
      add([&](bool& ours, std::string& origin) {
        Format g = f;
        dim(g, axis) = d - 1;
        std::string n;
        Scheme s = extend(part(g, known, field, ours, n), axis);
        origin = "extend axis " + std::to_string(axis) + " of " + n;
        return s;
      });
    Format up = f;
    dim(up, axis) = d + 1;
    if (d < kMaxDim && known.count(up.sorted()))
      add([&](bool& ours, std::string& origin) {
        std::string n;
        Scheme s = project(part(up, known, field, ours, n), axis);
        origin = "project axis " + std::to_string(axis) + " of " + n;
        return s;
      });
  }
  for (const auto& [g1, g2] : factorizations(f))
    add([&](bool& ours, std::string& origin) {
      std::string n1, n2;
      Scheme s = kronecker(part(g1, known, field, ours, n1), part(g2, known, field, ours, n2));
      origin = "product " + n1 + " (x) " + n2;
      return s;
    });
  // Valid in the field, distinct, lowest rank first, ours before copied among equals (stable, so
  // the order above breaks the remaining ties).
  std::vector<Candidate> out;
  std::set<uint64_t> seen;
  for (Candidate& c : raw) {
    if (!to_campaign_field(c.scheme, field, bound) || !seen.insert(scheme_hash(c.scheme)).second) continue;
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return a.scheme.rank() != b.scheme.rank() ? a.scheme.rank() < b.scheme.rank() : a.ours > b.ours;
  });
  return out;
}

bool Schedule::next(const OpenFn& open, const UsedFn& used, Format& f, std::string& reason) const {
  const Format* best = nullptr;
  double best_used = 0;
  for (const Format& g : order_) {
    if (!open(g)) continue;
    if (revisit_.count(g) || visits(g) == 0) {
      f = g;
      reason = visits(g) == 0 ? "first visit" : "a part improved";
      return true;
    }
    const double u = used(g);
    if (!best || u < best_used) best = &g, best_used = u;
  }
  if (!best) return false;
  f = *best;
  reason = "furthest behind its share";
  return true;
}

std::vector<Format> Schedule::visited(const Format& f, bool improved, const OpenFn& worth_it) {
  ++visits_[f];
  revisit_.erase(f);
  std::vector<Format> marked;
  if (!improved) return marked;
  for (const Format& g : order_) {
    const std::vector<Format> parts = parts_of(g);
    if (std::find(parts.begin(), parts.end(), f) != parts.end() && worth_it(g)) {
      revisit_.insert(g);
      marked.push_back(g);
    }
  }
  return marked;
}

int Schedule::visits(const Format& f) const {
  auto it = visits_.find(f);
  return it == visits_.end() ? 0 : it->second;
}

json Schedule::to_json() const {
  json visits = json::object(), revisit = json::array();
  for (const auto& [f, n] : visits_) visits[f.str()] = n;
  for (const Format& f : revisit_) revisit.push_back(f.str());
  return {{"visits", visits}, {"revisit", revisit}};
}

void Schedule::from_json(const json& j) {
  visits_.clear();
  revisit_.clear();
  for (const auto& [f, n] : j.at("visits").items()) visits_[Format::parse(f)] = n.get<int>();
  for (const json& f : j.at("revisit")) revisit_.insert(Format::parse(f.get<std::string>()));
}

namespace {

// Keeps the better of two schemes of a format: lower rank, or ours at equal rank.
void consider(KnownMap& known, Scheme s, bool ours, const std::string& origin, Field field, int bound) {
  if (!to_campaign_field(s, field, bound)) return;
  const Format f = s.format.sorted();
  if (f != s.format) s = to_format(s, f);
  auto it = known.find(f);
  if (it != known.end() && (it->second.scheme.rank() < s.rank() || (it->second.scheme.rank() == s.rank() && it->second.ours >= ours)))
    return;
  known[f] = Known{std::move(s), ours, origin};
}

class Campaign {
 public:
  Campaign(const CampaignOptions& o, const std::atomic<bool>& stop, const std::function<void(const json&)>& on_event)
      : o_(o), stop_(stop), on_event_(on_event), schedule_(o.formats), order_(schedule_.order()) {}

  bool run();

 private:
  void emit(json j);
  SchemeStore::Outcome offer(const Scheme& s, const std::string& source) { return store_->offer(s, source); }
  void load_known();
  void load_state();
  void apply_state(const json& state);  // campaign.json's content (checked against the options)
  json state_json() const;
  void save_state() const;
  // Spread over ranks: every rank takes rank 0's state and known schemes, or its input error.
  void agree_start(const std::string& error);
  // Spread over ranks: the visit's outcome as rank 0 saw it (the job's best, stall, stop, time).
  void agree_outcome(RunResult& result, bool& stalled);
  bool open(const Format& f) const { return rank_of(f) > best_known_rank(f, o_.field); }
  int rank_of(const Format& f) const {
    auto it = known_.find(f);
    return it == known_.end() ? f.naive_rank() : it->second.scheme.rank();
  }
  void visit(const Format& f, const std::string& reason);
  // A format's claim on the time: its naive rank over the square of its gap (from its best start
  // to its best known rank, at least 1). The 1 h run that shared time by naive rank alone gave
  // 4x5x5 and 5x5x5 (gaps 6 and 8) 1250 s and closed neither, while 3x4x4 stayed one above.
  // The next format is the one that has used the least of its claim: choosing the least visited
  // one gave every open format its turn in a 1 h run, since the stall rule ends most visits after
  // 15-20 s whatever their slice, so 3x4x5 (one above) got no more time than 5x5x5 (eight above).
  double share(const Format& g) const;
  void try_lift(const Scheme& s, bool ours);

  const CampaignOptions& o_;
  const std::atomic<bool>& stop_;
  const std::function<void(const json&)>& on_event_;
  Schedule schedule_;
  const std::vector<Format>& order_;
  KnownMap known_;
  // OUT/schemes, opened once in run(): every visit's improve::run writes through it, since opening
  // it reads and verifies every file there (seconds per visit late in a 1 h run). Thread-safe.
  std::optional<SchemeStore> store_;
  std::mutex emit_mu_;  // guards metrics writes and on_event calls (search threads report finds)
  // Scheduler state (campaign.json); touched by the campaign's own thread only.
  double elapsed_ = 0;                // seconds of visits so far
  std::map<Format, double> spent_;
  json current_;                      // the visit in progress (redone after a kill), or null
  bool cancelled_ = false;            // a visit was cut by a stop (on any rank): the campaign ends
};

std::string state_path(const CampaignOptions& o) { return o.out + "/campaign.json"; }

json formats_json(const std::vector<Format>& fs) {
  json j = json::array();
  for (const Format& f : fs) j.push_back(f.str());
  return j;
}

void Campaign::emit(json j) {
  if (!o_.ranks.root) return;
  std::lock_guard<std::mutex> lock(emit_mu_);
  j["elapsed"] = elapsed_;
  append_line(o_.out + "/metrics.jsonl", j.dump());
  if (on_event_) on_event_(j);
}

void Campaign::load_known() {
  // Our own earlier finds (a resumed campaign, or an earlier run into the same folder), with
  // their provenance from found.jsonl: the file of a (format, field, rank) was written by the
  // first log line of that rank.
  const std::string dir = o_.out + "/schemes";
  const std::vector<FoundEntry> log = read_found_log(dir);
  for (const std::string& path : scheme_files_in(dir)) {
    Scheme s;
    try {
      s = read_scheme(path);
    } catch (const InputError&) {
      continue;
    }
    bool ours = true;
    for (const FoundEntry& e : log)
      if (e.format == s.format.str() && e.field == s.field && e.rank == s.rank()) {
        ours = e.source.rfind(kCopiedSourcePrefix, 0) != 0;
        break;
      }
    consider(known_, std::move(s), ours, ours ? "found" : "copied earlier", o_.field, o_.bound);
  }
  if (o_.seed_from_data)
    for (const auto& [name, text] : data_schemes())
      consider(known_, parse_scheme_json(text, "data/schemes/" + name), false, "data " + name, o_.field, o_.bound);
  for (const std::string& d : o_.from_dirs)
    for (const std::string& path : scheme_files_in(d, true)) {
      try {
        consider(known_, read_scheme(path), false, "from " + path, o_.field, o_.bound);
      } catch (const InputError& e) {
        emit({{"event", "skipped_file"}, {"file", path}, {"error", e.what()}});
      }
    }
}

void Campaign::load_state() {
  const std::string path = state_path(o_);
  std::string text;
  try {
    text = read_file(path);
  } catch (const InputError&) {
    if (o_.resume) throw InputError(path + ": no campaign to resume here");
    return;
  }
  if (!o_.resume) throw InputError(o_.out + ": holds a campaign already (campaign.json); use --resume or another --out");
  try {
    apply_state(json::parse(text));
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what());
  } catch (const std::exception& e) {
    throw InputError(path + ": damaged campaign state: " + e.what());
  }
}

void Campaign::apply_state(const json& s) {
  if (s.at("field") != field_name(o_.field) || s.at("formats") != formats_json(order_) || s.at("seed") != o_.seed)
    throw InputError("--resume needs the same --formats, --field and --seed as the campaign (" +
                     s.at("field").get<std::string>() + ", seed " + std::to_string(s.at("seed").get<uint64_t>()) + ")");
  elapsed_ = s.at("elapsed").get<double>();
  schedule_.from_json(s.at("schedule"));
  for (const Format& f : order_) spent_[f] = s.at("spent").value(f.str(), 0.0);
  current_ = s.value("current", json());
}

json Campaign::state_json() const {
  json spent = json::object();
  for (const auto& [f, t] : spent_) spent[f.str()] = t;
  return {{"field", field_name(o_.field)}, {"formats", formats_json(order_)}, {"seed", o_.seed},
          {"elapsed", elapsed_}, {"schedule", schedule_.to_json()}, {"spent", spent}, {"current", current_}};
}

void Campaign::save_state() const {
  if (o_.ranks.root) write_file_atomic(state_path(o_), state_json().dump(1) + "\n");
}

void Campaign::agree_start(const std::string& error) {
  json mine;
  if (o_.ranks.root && error.empty()) {
    mine = {{"state", state_json()}, {"known", json::array()}};
    for (const auto& [f, k] : known_)
      mine["known"].push_back({{"scheme", json::parse(scheme_to_json(k.scheme))}, {"ours", k.ours}, {"origin", k.origin}});
  } else if (o_.ranks.root) {
    mine = {{"error", error}};
  }
  const json s = json::parse(o_.ranks.agree(mine.dump()));
  if (s.contains("error")) throw InputError(s["error"].get<std::string>());
  if (o_.ranks.root) return;
  apply_state(s["state"]);
  for (const json& k : s["known"]) {
    Scheme scheme = parse_scheme_json(k["scheme"].dump(), "rank 0's known scheme");
    const Format f = scheme.format;
    known_[f] = Known{std::move(scheme), k["ours"].get<bool>(), k["origin"].get<std::string>()};
  }
}

void Campaign::agree_outcome(RunResult& result, bool& stalled) {
  json mine;
  if (o_.ranks.root)
    mine = {{"best", json::parse(scheme_to_json(result.best))}, {"stalled", stalled}, {"stopped_by", result.stopped_by},
            {"seconds", result.seconds}, {"flips", result.flips}};
  const json s = json::parse(o_.ranks.agree(mine.dump()));
  if (o_.ranks.root) return;
  result.best = parse_scheme_json(s["best"].dump(), "rank 0's best");
  stalled = s["stalled"].get<bool>();
  result.stopped_by = s["stopped_by"].get<std::string>();
  result.seconds = s["seconds"].get<double>();
  result.flips = s["flips"].get<long>();
}

void Campaign::try_lift(const Scheme& s, bool ours) {
  const auto lift_start = std::chrono::steady_clock::now();
  LiftOptions lo;
  lo.prime = characteristic(s.field);
  LiftResult r;
  try {
    r = hensel_lift(s, lo);
  } catch (const std::invalid_argument& e) {  // e.g. too large to lift here
    r.message = e.what();
  }
  json j = {{"event", "lift"}, {"format", s.format.str()}, {"rank", s.rank()}, {"ok", r.ok}, {"message", r.message},
            {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - lift_start).count()}};
  if (r.ok) {
    const std::string source = std::string(ours ? "campaign" : kCopiedSourcePrefix) + ": Hensel lift of the " +
                               field_name(s.field) + " scheme";
    j["field"] = field_name(r.scheme.field);
    j["stored"] = offer(r.scheme, source) == SchemeStore::Outcome::NewBest;
  }
  emit(j);
}

double Campaign::share(const Format& g) const {
  const int from = std::min(rank_of(g), seed_candidates(g, known_, o_.field, o_.bound).front().scheme.rank());
  const double gap = std::max(1, from - best_known_rank(g, o_.field));
  return g.naive_rank() / (gap * gap);
}

void Campaign::visit(const Format& f, const std::string& reason) {
  // The visit's whole wall time counts against the budget, not only the walks': work outside
  // them (then mostly reopening the scheme store) made a 1 h run take 70 minutes.
  const auto visit_start = std::chrono::steady_clock::now();
  const int visit_no = schedule_.visits(f);
  const std::vector<Candidate> cands = seed_candidates(f, known_, o_.field, o_.bound);
  // Rotate over the lowest-rank candidates (those within 5%, at least 1, of the lowest rank) and
  // the naive scheme: a structured seed can sit in a corner of the flip graph that a walk from
  // the naive scheme avoids.
  const int lowest = cands.front().scheme.rank();
  std::vector<const Candidate*> rotation;
  for (const Candidate& c : cands)
    if (int(rotation.size()) + 1 < std::max(2, o_.rotate) && c.origin != "naive" &&
        c.scheme.rank() <= lowest + std::max(1, lowest / 20))
      rotation.push_back(&c);
  for (const Candidate& c : cands)
    if (c.origin == "naive" || rotation.empty()) {
      rotation.push_back(&c);
      break;
    }
  // A revisit for a part's improvement starts from the lowest candidate, the one it brought.
  const bool improved_part = reason == "a part improved";
  const Candidate& start = improved_part ? cands.front() : *rotation[size_t(visit_no) % rotation.size()];
  // A redone visit keeps the rank it started from, so finds of the cut visit still mark revisits.
  const int rank_before = current_.is_null() ? rank_of(f) : current_.value("rank_before", rank_of(f));
  double open_weight = 0;
  for (const Format& g : order_)
    if (open(g)) open_weight += share(g);
  const double remaining = o_.seconds - elapsed_;
  const double slice = std::min(remaining, std::max(o_.min_slice, remaining * share(f) / open_weight / 3));
  // A visit whose walks found nothing lower for this long ends early: another start (the
  // rotation) or another format gets the time. Not scaled by the slice: in the 1 h run, 3x4x4's
  // visits from naive reached 39 and sat there for the whole max(15 s, slice/8) = 34-56 s, while
  // single runs from naive that reach 38 do so within 16 s (4 of 10 seeds; the others never).
  const double stall = o_.min_stall;
  const uint64_t seed = o_.seed * 0x9e3779b97f4a7c15ULL + uint64_t(f.n * 289 + f.m * 17 + f.p) * 1000003ULL + uint64_t(visit_no);
  json top = json::array();
  for (size_t i = 0; i < cands.size() && i < 6; ++i)
    top.push_back({{"origin", cands[i].origin}, {"rank", cands[i].scheme.rank()}, {"ours", cands[i].ours}});
  current_ = {{"format", f.str()}, {"visit", visit_no}, {"rank_before", rank_before}};
  save_state();
  emit({{"event", "visit"}, {"format", f.str()}, {"visit", visit_no}, {"reason", reason}, {"slice", slice}, {"stall", stall},
        {"rank", rank_before}, {"target", best_known_rank(f, o_.field)}, {"start", start.origin},
        {"start_rank", start.scheme.rank()}, {"start_ours", start.ours}, {"candidates", top}, {"seed", seed}});

  // The seed goes to the store first with its own provenance (copied or ours); run() then offers
  // it again as its start, a duplicate.
  if (o_.ranks.root)
    offer(start.scheme, std::string(start.ours ? "campaign seed: " : std::string(kCopiedSourcePrefix) + ": ") + start.origin);
  consider(known_, start.scheme, start.ours, start.origin, o_.field, o_.bound);

  RunOptions ro;
  ro.search.field = o_.field;
  ro.search.bound = o_.bound;
  ro.search.target_rank = best_known_rank(f, o_.field);
  ro.search.pool_size = o_.pool_size;
  ro.search.seed = seed;
  if (o_.ranks.root) {  // the other ranks of a spread campaign write nothing
    ro.out_dir = o_.out;
    ro.store = &*store_;
  }
  ro.threads = o_.threads;
  ro.time_limit = slice;
  ro.source = "campaign flip graph from " + start.origin + " (rank " + std::to_string(start.scheme.rank()) + "), visit " +
              std::to_string(visit_no) + ", seed " + std::to_string(seed);
  // run() stores every find (verified, fsynced) on its reporter thread before reporting it here,
  // so a kill loses none.
  // The callbacks run on the run's reporter thread, one at a time; `cut` stops the run on a stop
  // (polled every second) or a stall. last_gain, last_line and stalled: the reporter thread's
  // until run() returns.
  RunEvents events;
  std::atomic<bool> cut{false};
  double last_gain = 0, last_line = 0;
  bool stalled = false;
  ro.progress_every = 1;
  events.on_best = [&](const Scheme& s, SchemeStore::Outcome r, double seconds, long flips) {
    last_gain = seconds;
    if (s.rank() < start.scheme.rank())
      emit({{"event", "best"}, {"format", s.format.str()}, {"rank", s.rank()}, {"seconds", seconds}, {"flips", flips},
            {"stored", r == SchemeStore::Outcome::NewBest}});
  };
  events.on_progress = [&](const RunProgress& p) {
    if (stop_.load()) cut.store(true);
    if (p.seconds - last_gain >= stall) stalled = true, cut.store(true);
    if (p.seconds - last_line < 10) return;
    last_line = p.seconds;
    emit({{"event", "progress"}, {"format", f.str()}, {"seconds", p.seconds}, {"best_rank", p.best_rank},
          {"flips", p.flips}, {"flips_per_second", p.flips_per_second}});
  };
  RunResult result;
  if (o_.ranks.spread()) {
    // Only rank 0 sees progress and decides stalls; another rank's signal stops the job directly.
    result = o_.ranks.run(start.scheme, ro, events, o_.ranks.root ? &cut : &stop_);
    agree_outcome(result, stalled);
  } else {
    result = improve::run(start.scheme, ro, events, &cut);
  }
  // Cut by a stop, not a stall: the visit is redone on --resume (current_ stays in the state).
  if (result.stopped_by == "cancel" && !stalled) {
    cancelled_ = true;
    return;
  }
  const Scheme& best = result.best;
  if (best.rank() < start.scheme.rank()) consider(known_, best, true, "flip graph", o_.field, o_.bound);
  const int rank_after = rank_of(f);
  if (o_.ranks.root && rank_after < rank_before && o_.lift && is_modular(o_.field)) try_lift(known_.at(f).scheme, known_.at(f).ours);
  // A format is revisited when the improvement gives it a start below its best rank so far.
  auto better_start = [&](const Format& g) {
    return open(g) && seed_candidates(g, known_, o_.field, o_.bound).front().scheme.rank() < rank_of(g);
  };
  json marked = formats_json(schedule_.visited(f, rank_after < rank_before, better_start));
  double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - visit_start).count();
  if (o_.ranks.spread()) t = json::parse(o_.ranks.agree(json(t).dump())).get<double>();
  spent_[f] += t;
  elapsed_ += t;
  emit({{"event", "visit_end"}, {"format", f.str()}, {"visit", visit_no}, {"seconds", t},
        {"search_seconds", result.seconds}, {"rank_before", rank_before},
        {"rank", rank_after}, {"target", ro.search.target_rank}, {"flips", result.flips}, {"stalled", stalled},
        {"revisit", marked}});
  current_ = json();
  save_state();
}

bool Campaign::run() {
  std::string error;
  try {
    if (o_.ranks.root) load_state(), load_known();
  } catch (const InputError& e) {  // spread over ranks: every rank fails alike, after agreeing
    if (!o_.ranks.spread()) throw;
    error = e.what();
  }
  if (o_.ranks.spread()) agree_start(error);
  for (const Format& f : order_) spent_.emplace(f, 0.0);
  // The store holds the best scheme of every format from the start, seeds included (as copied
  // when they are), so a format at its best known rank from a seed has its file too.
  if (o_.ranks.root) {
    store_.emplace(o_.out);
    for (const Format& f : order_)
      if (auto it = known_.find(f); it != known_.end())
        offer(it->second.scheme, std::string(it->second.ours ? "campaign seed: " : std::string(kCopiedSourcePrefix) + ": ") +
                                     it->second.origin);
  }
  json parts = json::object(), targets = json::object();
  for (const Format& f : order_) {
    json p = json::array();
    for (const Format& g : parts_of(f))
      if (std::find(order_.begin(), order_.end(), g) != order_.end()) p.push_back(g.str());
    parts[f.str()] = p;
    targets[f.str()] = best_known_rank(f, o_.field);
  }
  emit({{"event", o_.resume ? "resume" : "start"}, {"field", field_name(o_.field)}, {"order", formats_json(order_)},
        {"parts", parts}, {"targets", targets}, {"seconds", o_.seconds}, {"threads", o_.threads},
        {"seed_from_data", o_.seed_from_data}, {"from_dirs", o_.from_dirs}, {"seed", o_.seed}});
  std::string why = "time limit";
  bool stopping = false;
  while (true) {
    stopping = stop_.load() || cancelled_;
    if (o_.ranks.spread()) stopping = o_.ranks.agree(stopping ? "1" : "0") == "1";
    if (stopping) {
      why = "stopped";
      break;
    }
    if (elapsed_ >= o_.seconds) break;
    Format f;
    std::string reason = "redo the visit a stop cut short";
    if (!current_.is_null())
      f = Format::parse(current_.at("format").get<std::string>());
    else if (!schedule_.next([&](const Format& g) { return open(g); },
                             [&](const Format& g) { return spent_.at(g) / share(g); }, f, reason)) {
      why = "every format at its best known rank";
      break;
    }
    visit(f, reason);
  }
  json table = json::object();
  for (const Format& f : order_) {
    auto it = known_.find(f);
    table[f.str()] = {{"rank", rank_of(f)}, {"target", best_known_rank(f, o_.field)},
                      {"ours", it == known_.end() || it->second.ours}, {"seconds", spent_[f]}, {"visits", schedule_.visits(f)}};
  }
  emit({{"event", "done"}, {"why", why}, {"table", table}});
  return stopping || stop_.load();
}

}  // namespace

bool run_campaign(const CampaignOptions& options, const std::atomic<bool>& stop,
                  const std::function<void(const json&)>& on_event) {
  Campaign c(options, stop, on_event);
  return c.run();
}

}  // namespace at::improve
