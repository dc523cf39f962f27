#pragma once
// Between the public facade (alphatensor.hpp) and the libraries: the scheme behind the opaque
// handle, field conversions, and the translation of internal exceptions into alphatensor::Error.
// Not installed.
#include <alphatensor/alphatensor.hpp>

#include "core/scheme.hpp"

namespace alphatensor {

struct Scheme::Impl {
  at::Scheme scheme;
};

at::Field to_core(Field f);
Field from_core(at::Field f);
const at::Scheme& core_scheme(const Scheme& s);
Scheme wrap(at::Scheme s);

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
