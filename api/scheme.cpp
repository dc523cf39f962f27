// The facade's schemes: alphatensor::Scheme over at::Scheme, files through core/scheme_io.
#include <new>

#include "api/internal.hpp"
#include "core/symmetry.hpp"
#include "core/build_info.hpp"
#include "core/builtin.hpp"
#include "core/files.hpp"
#include "core/scheme_io.hpp"

namespace alphatensor {

void rethrow_as_error() {
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const at::InputError& e) {
    throw Error(Status::InputError, e.what());
  } catch (const std::invalid_argument& e) {
    throw Error(Status::InvalidArgument, e.what());
  } catch (const std::domain_error& e) {
    throw Error(Status::InvalidArgument, e.what());
  } catch (const std::exception& e) {
    throw Error(Status::Runtime, e.what());
  } catch (...) {
    throw Error(Status::Runtime, "unknown error");
  }
}

std::string version() { return at::build_info().version; }

at::Field to_core(Field f) {
  switch (f) {
    case Field::Z2: return at::Field::Z2;
    case Field::Z3: return at::Field::Z3;
    case Field::Q: return at::Field::Q;
    default: return at::Field::Z;
  }
}

Field from_core(at::Field f) {
  switch (f) {
    case at::Field::Z2: return Field::Z2;
    case at::Field::Z3: return Field::Z3;
    case at::Field::Q: return Field::Q;
    default: return Field::Z;
  }
}

std::string to_string(const Format& f) { return at::Format{f.n, f.m, f.p}.str(); }
Format parse_format(const std::string& text) {
  return translate([&] {
    const at::Format f = at::Format::parse(text);
    return Format{f.n, f.m, f.p};
  });
}

std::string field_name(Field f) { return at::field_name(to_core(f)); }
Field parse_field(const std::string& name) {
  return translate([&] { return from_core(at::parse_field(name)); });
}

const at::Scheme& core_scheme(const Scheme& s) { return s.impl().scheme; }
Scheme wrap(at::Scheme s) { return Scheme(std::make_shared<const Scheme::Impl>(Scheme::Impl{std::move(s)})); }

Scheme::Scheme() : impl_(std::make_shared<const Impl>()) {}
Scheme::Scheme(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Scheme Scheme::read(const std::string& path) {
  return translate([&] { return wrap(at::read_scheme(path)); });
}
Scheme Scheme::naive(Format f) {
  return translate([&] {
    const at::Format core{f.n, f.m, f.p};
    at::Format::parse(core.str());  // checks each dimension is 1..kMaxDim
    return wrap(at::naive_scheme(core));
  });
}
Scheme Scheme::strassen() { return wrap(at::strassen_scheme()); }

Format Scheme::format() const {
  const at::Format& f = impl_->scheme.format;
  return {f.n, f.m, f.p};
}
Field Scheme::field() const { return from_core(impl_->scheme.field); }
int Scheme::rank() const { return impl_->scheme.rank(); }

Statistics Scheme::statistics() const {
  const at::Scheme& s = impl_->scheme;
  const at::SchemeStats st = at::scheme_stats(s);
  Statistics r;
  r.format = format();
  r.field = field();
  r.rank = st.rank;
  r.nonzeros = st.nonzeros;
  r.additions = st.additions;
  r.additions_cse = st.additions_cse;
  r.largest_coefficient = s.max_abs_numerator();
  r.largest_denominator = s.max_denominator();
  return r;
}

Cyclic Scheme::cyclic(Field over) const {
  return translate([&] {
    const at::Scheme& s = impl_->scheme;
    Cyclic c;
    c.square = s.format.n == s.format.m && s.format.m == s.format.p;
    if (!c.square) return c;
    const auto orbits = at::cyclic_orbits(s, to_core(over));
    c.invariant = orbits.has_value();
    if (orbits) c.fixed_terms = int(orbits->fixed.size()), c.orbits = int(orbits->orbits.size());
    c.summary = at::cyclic_summary(s, to_core(over));
    return c;
  });
}

Verification Scheme::verify() const { return verify(field()); }
Verification Scheme::verify(Field over) const {
  return translate([&] {
    const at::VerifyResult r = at::verify(impl_->scheme, to_core(over));
    return Verification{r.ok, over, r.error};
  });
}

namespace {
// An unknown extension is the caller's mistake, checked before any work.
void check_output_type(const std::string& path) {
  try {
    at::scheme_file_type(path);
  } catch (const at::InputError& e) {
    throw Error(Status::InvalidArgument, e.what());
  }
}
}  // namespace

void Scheme::write(const std::string& path) const {
  translate([&] {
    check_output_type(path);
    const Verification v = verify();
    if (!v.valid)
      throw Error(Status::InvalidScheme, path + ": the scheme is not valid over " + field_name(v.field) + ": " + v.error +
                                             "; nothing written");
    at::write_scheme(path, impl_->scheme);
  });
}

std::string Scheme::to_json() const { return at::scheme_to_json(impl_->scheme); }

Scheme convert(const std::string& in, const std::string& out) {
  check_output_type(out);
  const Scheme s = Scheme::read(in);
  const Verification v = s.verify();
  if (!v.valid)
    throw Error(Status::InvalidScheme, in + " is not valid over " + field_name(v.field) + ": " + v.error + "; nothing written");
  s.write(out);
  return s;
}

}  // namespace alphatensor
