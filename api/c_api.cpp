// The C API (alphatensor.h) over the C++ facade. Every entry point catches everything; handles are
// checked against a registry of live ones, so a freed or foreign handle is an error, not a crash.
#include <alphatensor/alphatensor.h>

#include <alphatensor/alphatensor.hpp>
#include <cstring>
#include <mutex>
#include <new>
#include <sstream>
#include <unordered_set>
#include <vector>

struct at_scheme {
  alphatensor::Scheme scheme;
};
struct at_cancel {
  alphatensor::CancelToken token;
};

namespace {

thread_local std::string t_last_error;  // per thread, so concurrent callers never see each other's

struct HandleError {
  const char* what;
};

// Live handles of both kinds. A handle is registered after construction and unregistered before
// deletion; lookups only compare addresses, so an invalid pointer is never dereferenced.
class Registry {
 public:
  void add(const void* h) {
    std::lock_guard<std::mutex> lock(mu_);
    live_.insert(h);
  }
  bool remove(const void* h) {
    std::lock_guard<std::mutex> lock(mu_);
    return live_.erase(h) > 0;
  }
  bool contains(const void* h) const {
    std::lock_guard<std::mutex> lock(mu_);
    return live_.count(h) > 0;
  }

 private:
  mutable std::mutex mu_;  // guards live_
  std::unordered_set<const void*> live_;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: handles may be freed from atexit code
  return *r;
}

template <class H>
H* checked(H* h, const char* what) {
  if (!h || !registry().contains(h)) throw HandleError{what};
  return h;
}

void require(const void* p, const char* what) {
  if (!p) throw std::invalid_argument(std::string(what) + " is NULL");
}

template <class H, class... A>
H* new_handle(A&&... args) {
  H* h = new H{std::forward<A>(args)...};
  registry().add(h);
  return h;
}

template <class H>
at_status free_handle(H* h, const char* what) {
  if (!h) return AT_OK;
  if (!registry().remove(h)) {
    t_last_error = std::string(what) + " is not a live handle (freed twice?)";
    return AT_INVALID_HANDLE;
  }
  delete h;
  return AT_OK;
}

at_status fail(at_status s, const std::string& message) {
  t_last_error = message;
  return s;
}

template <class F>
at_status guard(F&& f) {
  try {
    f();
    return AT_OK;
  } catch (const HandleError& e) {
    return fail(AT_INVALID_HANDLE, std::string(e.what) + " is not a live handle (NULL or freed)");
  } catch (const alphatensor::Error& e) {
    return fail(static_cast<at_status>(e.status()), e.what());
  } catch (const std::invalid_argument& e) {
    return fail(AT_INVALID_ARGUMENT, e.what());
  } catch (const std::bad_alloc&) {
    return fail(AT_RUNTIME_ERROR, "out of memory");
  } catch (const std::exception& e) {
    return fail(AT_RUNTIME_ERROR, e.what());
  } catch (...) {
    return fail(AT_RUNTIME_ERROR, "unknown error");
  }
}

alphatensor::Field field_or(const char* name, alphatensor::Field otherwise) {
  return name ? alphatensor::parse_field(name) : otherwise;
}

// Words of `text` split at spaces and `extra` separators (NULL: none).
std::vector<std::string> words(const char* text, char extra) {
  std::string s = text ? text : "";
  for (char& c : s)
    if (c == extra || c == '\t' || c == '\n') c = ' ';
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

const char* static_stopped_by(const std::string& s) {
  for (const char* known : {"target", "steps", "limit", "cancel"})
    if (s == known) return known;
  return "limit";
}

const char* static_field_name(alphatensor::Field f) {
  switch (f) {
    case alphatensor::Field::Z2: return "Z2";
    case alphatensor::Field::Z3: return "Z3";
    case alphatensor::Field::Q: return "Q";
    default: return "Z";
  }
}

}  // namespace

extern "C" {

const char* at_last_error(void) { return t_last_error.c_str(); }

const char* at_status_name(at_status status) {
  switch (status) {
    case AT_OK: return "AT_OK";
    case AT_INVALID_ARGUMENT: return "AT_INVALID_ARGUMENT";
    case AT_INPUT_ERROR: return "AT_INPUT_ERROR";
    case AT_INVALID_SCHEME: return "AT_INVALID_SCHEME";
    case AT_RUNTIME_ERROR: return "AT_RUNTIME_ERROR";
    case AT_INVALID_HANDLE: return "AT_INVALID_HANDLE";
  }
  return "unknown status";
}

at_status at_version(int* major, int* minor, int* patch, const char** text) {
  static const std::string v = alphatensor::version();  // the library's, not the header's
  if (major) *major = ALPHATENSOR_VERSION_MAJOR;
  if (minor) *minor = ALPHATENSOR_VERSION_MINOR;
  if (patch) *patch = ALPHATENSOR_VERSION_PATCH;
  if (text) *text = v.c_str();
  return AT_OK;
}

at_status at_scheme_read(const char* path, at_scheme** out) {
  return guard([&] {
    require(path, "path");
    require(out, "out");
    *out = new_handle<at_scheme>(alphatensor::Scheme::read(path));
  });
}

at_status at_scheme_naive(int n, int m, int p, at_scheme** out) {
  return guard([&] {
    require(out, "out");
    *out = new_handle<at_scheme>(alphatensor::Scheme::naive({n, m, p}));
  });
}

at_status at_scheme_copy(const at_scheme* s, at_scheme** out) {
  return guard([&] {
    const at_scheme* h = checked(s, "scheme");
    require(out, "out");
    *out = new_handle<at_scheme>(h->scheme);
  });
}

at_status at_scheme_free(at_scheme* s) { return free_handle(s, "scheme"); }

at_status at_scheme_format(const at_scheme* s, int* n, int* m, int* p) {
  return guard([&] {
    const alphatensor::Format f = checked(s, "scheme")->scheme.format();
    if (n) *n = f.n;
    if (m) *m = f.m;
    if (p) *p = f.p;
  });
}

at_status at_scheme_rank(const at_scheme* s, int* rank) {
  return guard([&] {
    const at_scheme* h = checked(s, "scheme");
    require(rank, "rank");
    *rank = h->scheme.rank();
  });
}

at_status at_scheme_field(const at_scheme* s, const char** field) {
  return guard([&] {
    const at_scheme* h = checked(s, "scheme");
    require(field, "field");
    *field = static_field_name(h->scheme.field());
  });
}

at_status at_scheme_statistics(const at_scheme* s, at_scheme_stats* out) {
  return guard([&] {
    const at_scheme* h = checked(s, "scheme");
    require(out, "out");
    const alphatensor::Statistics st = h->scheme.statistics();
    *out = at_scheme_stats{st.format.n, st.format.m, st.format.p, st.rank, st.nonzeros, st.additions,
                           st.largest_coefficient, st.largest_denominator};
  });
}

at_status at_scheme_verify(const at_scheme* s, const char* field, int* valid, char* reason, size_t reason_size) {
  return guard([&] {
    const at_scheme* h = checked(s, "scheme");
    require(valid, "valid");
    const alphatensor::Verification v = h->scheme.verify(field_or(field, h->scheme.field()));
    *valid = v.valid ? 1 : 0;
    if (reason && reason_size > 0) {
      const size_t n = std::min(v.error.size(), reason_size - 1);
      std::memcpy(reason, v.error.data(), n);
      reason[n] = '\0';
    }
  });
}

at_status at_scheme_write(const at_scheme* s, const char* path) {
  return guard([&] {
    const at_scheme* h = checked(s, "scheme");
    require(path, "path");
    h->scheme.write(path);
  });
}

at_status at_cancel_new(at_cancel** out) {
  return guard([&] {
    require(out, "out");
    *out = new_handle<at_cancel>();
  });
}

at_status at_cancel_set(at_cancel* c) {
  return guard([&] { checked(c, "cancel token")->token.cancel(); });
}

at_status at_cancel_free(at_cancel* c) { return free_handle(c, "cancel token"); }

at_status at_improve_options_init(at_improve_options* o) {
  return guard([&] {
    require(o, "options");
    const alphatensor::ImproveOptions d;
    *o = at_improve_options{"Z2", d.bound, d.target_rank, d.seconds, d.max_generations, d.seed, d.threads,
                            d.pool_size, nullptr, d.progress_interval};
  });
}

at_status at_improve(const at_scheme* start, const at_improve_options* options, at_progress_fn on_progress,
                     at_best_fn on_best, void* user, const at_cancel* cancel, at_scheme** best) {
  return guard([&] {
    const at_scheme* h = checked(start, "start scheme");
    if (cancel) checked(cancel, "cancel token");
    require(best, "best");
    at_improve_options c;
    at_improve_options_init(&c);
    if (options) c = *options;
    alphatensor::ImproveOptions o;
    o.field = field_or(c.field, alphatensor::Field::Z2);
    o.bound = c.bound;
    o.target_rank = c.target_rank;
    o.seconds = c.seconds;
    o.max_generations = long(c.max_generations);
    o.seed = c.seed;
    o.threads = c.threads;
    o.pool_size = c.pool_size;
    o.out_dir = c.out_dir ? c.out_dir : "";
    o.progress_interval = c.progress_interval;
    // A callback's stop request goes through the run's token: the caller's, or one of our own.
    const alphatensor::CancelToken token = cancel ? cancel->token : alphatensor::CancelToken();
    alphatensor::ImproveCallbacks cb;
    if (on_progress)
      cb.on_progress = [&](const alphatensor::ImproveProgress& p) {
        const at_progress cp{p.seconds, p.flips, p.flips_per_second, p.best_rank, p.generations};
        if (on_progress(&cp, user)) token.cancel();
      };
    if (on_best)
      cb.on_best = [&](const alphatensor::Scheme& s, double seconds) {
        at_scheme* tmp = new_handle<at_scheme>(s);  // valid during the call only
        const int stop = on_best(tmp, seconds, user);
        free_handle(tmp, "scheme");
        if (stop) token.cancel();
      };
    const alphatensor::ImproveResult r = alphatensor::improve(h->scheme, o, cb, token);
    *best = new_handle<at_scheme>(r.best);
  });
}

at_status at_train_options_init(at_train_options* o) {
  return guard([&] {
    require(o, "options");
    const alphatensor::TrainOptions d;
    *o = at_train_options{"2,2,2", "Z", "small", nullptr, d.seed, d.seconds, d.target_rank, d.max_steps, "out",
                          d.resume, d.threads, d.polish, d.polish_threads, d.polish_seconds, d.simulations, d.samples,
                          d.games_per_iteration, d.steps_per_iteration, d.batch_size};
  });
}

at_status at_train(const at_train_options* options, at_train_progress_fn on_progress, at_train_best_fn on_best,
                   void* user, const at_cancel* cancel, at_train_result* result) {
  return guard([&] {
    if (cancel) checked(cancel, "cancel token");
    at_train_options c;
    at_train_options_init(&c);
    if (options) c = *options;
    alphatensor::TrainOptions o;
    o.targets.clear();
    for (const std::string& t : words(c.targets ? c.targets : "2,2,2", ';')) o.targets.push_back(alphatensor::parse_format(t));
    o.field = field_or(c.field, alphatensor::Field::Z);
    o.preset = c.preset ? c.preset : "small";
    o.network = words(c.network, ' ');
    o.seed = c.seed;
    o.seconds = c.seconds;
    o.target_rank = c.target_rank;
    o.max_steps = long(c.max_steps);
    o.out_dir = c.out_dir ? c.out_dir : "out";
    o.resume = c.resume != 0;
    o.threads = c.threads;
    o.polish = c.polish != 0;
    o.polish_threads = c.polish_threads;
    o.polish_seconds = c.polish_seconds;
    o.simulations = c.simulations;
    o.samples = c.samples;
    o.games_per_iteration = c.games_per_iteration;
    o.steps_per_iteration = c.steps_per_iteration;
    o.batch_size = c.batch_size;
    // A callback's stop request goes through the run's token: the caller's, or one of our own.
    const alphatensor::CancelToken token = cancel ? cancel->token : alphatensor::CancelToken();
    bool stop_asked = false;  // by a callback: no progress call follows
    alphatensor::TrainCallbacks cb;
    if (on_progress)
      cb.on_progress = [&](const alphatensor::TrainProgress& p) {
        if (stop_asked) return;
        std::vector<int> ranks;
        for (const alphatensor::TargetRank& t : p.best) ranks.push_back(t.rank);
        const at_train_progress cp{p.step, p.games, p.seconds, p.games_per_second, p.policy_loss, p.value_loss,
                                   int(ranks.size()), ranks.data()};
        if (on_progress(&cp, user)) {
          stop_asked = true;
          token.cancel();
        }
      };
    if (on_best)
      cb.on_best = [&](const alphatensor::TrainFound& f) {
        at_scheme* tmp = new_handle<at_scheme>(f.scheme);  // valid during the call only
        const at_train_found cf{tmp, f.target.n, f.target.m, f.target.p, f.rank, f.path.c_str(), f.source.c_str(), f.seconds};
        const int stop = on_best(&cf, user);
        free_handle(tmp, "scheme");
        if (stop) {
          stop_asked = true;
          token.cancel();
        }
      };
    const alphatensor::TrainResult r = alphatensor::train(o, cb, token);
    if (result) *result = at_train_result{r.last.step, r.last.games, r.last.seconds, static_stopped_by(r.stopped_by)};
  });
}

}  // extern "C"
