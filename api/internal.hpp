#pragma once
// Between the public facade (alphatensor.hpp) and the libraries: the scheme behind the opaque
// handle, field conversions, and the translation of internal exceptions into alphatensor::Error.
// Not installed.
#include <alphatensor/alphatensor.hpp>
#include <exception>

#include "core/scheme.hpp"

namespace alphatensor {

struct Scheme::Impl {
  at::Scheme scheme;
};

at::Field to_core(Field f);
Field from_core(at::Field f);
const at::Scheme& core_scheme(const Scheme& s);
Scheme wrap(at::Scheme s);

// Runs the caller's callbacks inside a run (improve, train): the first exception is kept and
// cancels the run's token; later callbacks are skipped; rethrow() raises it once the run has ended.
// Used by one thread at a time (the run's reporting thread).
class CallbackGuard {
 public:
  explicit CallbackGuard(const CancelToken& cancel) : cancel_(cancel) {}
  template <class F>
  void operator()(F&& f) {
    if (failure_) return;
    try {
      f();
    } catch (...) {
      failure_ = std::current_exception();
      cancel_.cancel();
    }
  }
  void rethrow() const {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  CancelToken cancel_;  // shares the run's flag
  std::exception_ptr failure_;
};

// Runs f(), rethrowing internal exceptions as alphatensor::Error (an Error passes unchanged).
template <class F>
auto translate(F&& f) -> decltype(f());
[[noreturn]] void rethrow_as_error();

template <class F>
auto translate(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (...) {
    rethrow_as_error();
  }
}

}  // namespace alphatensor
