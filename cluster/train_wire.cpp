#include "cluster/train_wire.hpp"

#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "core/scheme_io.hpp"

namespace at::cluster {
namespace {

class Writer {
 public:
  template <class T>
  void put(T v) {
    static_assert(std::is_arithmetic<T>::value, "numbers only");
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  template <class T>
  void put(const std::vector<T>& v) {
    put(uint64_t(v.size()));
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void put(const std::string& s) {
    put(uint64_t(s.size()));
    out_ += s;
  }
  void put(const TensorI8& t) {
    for (int m = 0; m < 3; ++m) put(int32_t(t.dim(m)));
    out_.append(reinterpret_cast<const char*>(t.data()), t.size());
  }
  void put(const Action& a) { put(a.u), put(a.v), put(a.w); }
  void put(const std::vector<Action>& v) {
    put(uint64_t(v.size()));
    for (const Action& a : v) put(a);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(const std::string& s, const std::string& from) : s_(s), from_(from) {}
  template <class T>
  T get() {
    T v;
    std::memcpy(&v, bytes(sizeof v), sizeof v);
    return v;
  }
  template <class T>
  std::vector<T> vec() {
    const size_t n = count(sizeof(T));
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), bytes(n * sizeof(T)), n * sizeof(T));
    return v;
  }
  std::string str() {
    const size_t n = count(1);
    return std::string(bytes(n), n);
  }
  TensorI8 tensor() {
    const int d0 = get<int32_t>(), d1 = get<int32_t>(), d2 = get<int32_t>();
    if (d0 < 0 || d1 < 0 || d2 < 0 || d0 > 64 || d1 > 64 || d2 > 64) fail();
    TensorI8 t(d0, d1, d2);
    std::memcpy(t.data(), bytes(t.size()), t.size());
    return t;
  }
  Action action() {
    Action a;
    a.u = vec<int8_t>(), a.v = vec<int8_t>(), a.w = vec<int8_t>();
    return a;
  }
  std::vector<Action> actions() {
    std::vector<Action> v(count(3 * sizeof(uint64_t)));
    for (Action& a : v) a = action();
    return v;
  }
  size_t count(size_t each) {  // a length that the rest of the message can hold
    const uint64_t n = get<uint64_t>();
    if (n > (s_.size() - at_) / std::max<size_t>(each, 1)) fail();
    return size_t(n);
  }
  bool end() const { return at_ == s_.size(); }
  [[noreturn]] void fail() const { throw std::runtime_error("a malformed message from " + from_); }

 private:
  const char* bytes(size_t n) {
    if (n > s_.size() - at_) fail();
    const char* p = s_.data() + at_;
    at_ += n;
    return p;
  }
  const std::string& s_;
  std::string from_;
  size_t at_ = 0;
};

void put_scheme(Writer& w, const std::optional<Scheme>& s) { w.put(s ? scheme_to_json(*s) : std::string()); }

std::optional<Scheme> get_scheme(Reader& r, const std::string& from) {
  const std::string text = r.str();
  if (text.empty()) return std::nullopt;
  return parse_scheme_json(text, from);
}

void put_game(Writer& w, const mcts::PlayedGame& p) {
  const mcts::GameRecord& g = p.game;
  w.put(int32_t(p.target)), w.put(p.kind), put_scheme(w, p.scheme);
  w.put(g.seed), w.put(g.start), w.put(g.actions), w.put(uint8_t(g.solved)), w.put(g.total_return);
  w.put(uint64_t(g.moves.size()));
  for (const mcts::MoveRecord& m : g.moves) {
    w.put(m.state), w.put(m.history), w.put(int32_t(m.move)), w.put(m.actions), w.put(m.policy), w.put(m.return_to_go);
  }
}

mcts::PlayedGame get_game(Reader& r, const std::string& from) {
  mcts::PlayedGame p;
  p.target = r.get<int32_t>(), p.kind = r.str(), p.scheme = get_scheme(r, from);
  mcts::GameRecord& g = p.game;
  g.seed = r.get<uint64_t>(), g.start = r.tensor(), g.actions = r.actions(), g.solved = r.get<uint8_t>() != 0;
  g.total_return = r.get<float>();
  g.moves.resize(r.count(16));
  for (mcts::MoveRecord& m : g.moves) {
    m.state = r.tensor(), m.history = r.actions(), m.move = r.get<int32_t>(), m.actions = r.actions();
    m.policy = r.vec<float>(), m.return_to_go = r.get<float>();
  }
  return p;
}

void put_polished(Writer& w, const mcts::Polished& p) {
  const mcts::PolishResult& r = p.result;
  w.put(int32_t(r.target)), w.put(r.origin), w.put(int32_t(r.rank_in)), w.put(int32_t(r.rank_out)), w.put(r.seconds);
  put_scheme(w, r.scheme), w.put(uint8_t(r.verified)), w.put(uint8_t(r.lifted)), w.put(r.error), w.put(p.age);
}

mcts::Polished get_polished(Reader& r, const std::string& from) {
  mcts::Polished p;
  mcts::PolishResult& x = p.result;
  x.target = r.get<int32_t>(), x.origin = r.str(), x.rank_in = r.get<int32_t>(), x.rank_out = r.get<int32_t>();
  x.seconds = r.get<double>();
  if (std::optional<Scheme> s = get_scheme(r, from)) x.scheme = std::move(*s);
  x.verified = r.get<uint8_t>() != 0, x.lifted = r.get<uint8_t>() != 0, x.error = r.str(), p.age = r.get<double>();
  return p;
}

}  // namespace

std::string encode_report(const mcts::RoundReport& r) {
  Writer w;
  w.put(int32_t(r.actor)), w.put(uint8_t(r.round)), w.put(int64_t(r.weights_step)), w.put(int64_t(r.played));
  w.put(int64_t(r.sims)), w.put(r.seconds), w.put(r.sum_return), w.put(r.best_return), w.put(r.mean_batch);
  w.put(int64_t(r.polish_dropped));
  w.put(uint64_t(r.games.size()));
  for (const mcts::PlayedGame& g : r.games) put_game(w, g);
  w.put(uint64_t(r.polished.size()));
  for (const mcts::Polished& p : r.polished) put_polished(w, p);
  return w.take();
}

mcts::RoundReport decode_report(const std::string& bytes, const std::string& from) {
  Reader rd(bytes, from);
  mcts::RoundReport r;
  r.actor = rd.get<int32_t>(), r.round = rd.get<uint8_t>() != 0, r.weights_step = long(rd.get<int64_t>());
  r.played = long(rd.get<int64_t>()), r.sims = long(rd.get<int64_t>()), r.seconds = rd.get<double>();
  r.sum_return = rd.get<double>(), r.best_return = rd.get<double>(), r.mean_batch = rd.get<double>();
  r.polish_dropped = long(rd.get<int64_t>());
  r.games.resize(rd.count(16));
  for (mcts::PlayedGame& g : r.games) g = get_game(rd, from);
  r.polished.resize(rd.count(16));
  for (mcts::Polished& p : r.polished) p = get_polished(rd, from);
  if (!rd.end()) rd.fail();
  return r;
}

std::string encode_weights(long step, const std::vector<float>& params) {
  Writer w;
  w.put(int64_t(step)), w.put(params);
  return w.take();
}

long decode_weights(const std::string& bytes, std::vector<float>* params) {
  Reader r(bytes, "rank 0 (weights)");
  const long step = long(r.get<int64_t>());
  *params = r.vec<float>();
  if (!r.end()) r.fail();
  return step;
}

}  // namespace at::cluster
