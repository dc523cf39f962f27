// alphatensor scheme: build schemes from built-ins and files with the constructions of core/ops.
#include <iostream>

#include "core/builtin.hpp"
#include "core/ops.hpp"
#include "core/rng.hpp"
#include "core/scheme_io.hpp"
#include "core/symmetry.hpp"
#include "tools/cli.hpp"

namespace at::cli {
namespace {

// "strassen", "winograd", "naive:n,m,p" or a scheme file.
Scheme operand(const std::string& spec) {
  if (spec == "strassen") return strassen_scheme();
  if (spec == "winograd") return winograd_scheme();
  if (spec.rfind("naive:", 0) == 0) {
    try {
      return naive_scheme(Format::parse(spec.substr(6)));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  return read_scheme(spec);
}

Format format_option(const po::variables_map& vm, const char* key) {
  try {
    return Format::parse(vm[key].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--") + key + ": " + e.what());
  }
}

}  // namespace

int cmd_scheme(const std::vector<std::string>& args) {
  po::options_description opts("Options (applied in this order)");
  opts.add_options()
      ("builtin", po::value<std::string>(), "start from a built-in scheme: naive (needs --format), strassen or winograd")
      ("format", po::value<std::string>(), "n,m,p for --builtin naive")
      ("input", po::value<std::string>(), "start from a scheme file instead")
      ("kron", po::value<std::vector<std::string>>(), "Kronecker product with OPERAND (repeatable): strassen, winograd, naive:n,m,p or FILE")
      ("sum", po::value<std::string>(), "direct sum with OPERAND along --axis")
      ("axis", po::value<int>()->default_value(2), "direct-sum axis: 0 (rows of A), 1 (inner), 2 (columns of B)")
      ("to-format", po::value<std::string>(), "permute to this permutation n,m,p of the format")
      ("symmetry", po::value<uint64_t>(), "apply a random signed-permutation symmetry drawn from this seed")
      ("mod2", po::bool_switch(), "reduce the coefficients mod 2")
      ("mod3", po::bool_switch(), "reduce the coefficients mod 3 (written as -1, 0, 1)")
      ("output,o", po::value<std::string>(), "write here (.json or .exp); default: JSON on stdout");
  po::variables_map vm;
  if (!parse("scheme", "(--builtin NAME [--format n,m,p] | --input FILE) [constructions] [-o FILE]", args, opts, {}, vm))
    return kOk;
  if (vm.count("builtin") == vm.count("input")) throw UsageError("give exactly one of --builtin and --input");
  Scheme s;
  if (vm.count("builtin")) {
    const std::string b = vm["builtin"].as<std::string>();
    if (b == "strassen") s = strassen_scheme();
    else if (b == "winograd") s = winograd_scheme();
    else if (b == "naive") {
      if (!vm.count("format")) throw UsageError("--builtin naive needs --format n,m,p");
      s = naive_scheme(format_option(vm, "format"));
    } else {
      throw UsageError("unknown built-in '" + b + "' (naive, strassen or winograd)");
    }
  } else {
    s = read_scheme(vm["input"].as<std::string>());
  }
  auto checked = [](Scheme x) {  // a size the rest of the tool supports
    const Format& f = x.format;
    if (f.n > kMaxDim || f.m > kMaxDim || f.p > kMaxDim)
      throw UsageError("result format " + f.str() + " exceeds the maximum size " + std::to_string(kMaxDim));
    return x;
  };
  try {
    if (vm.count("kron"))
      for (const std::string& k : vm["kron"].as<std::vector<std::string>>()) s = checked(kronecker(s, operand(k)));
    if (vm.count("sum")) s = checked(direct_sum(s, operand(vm["sum"].as<std::string>()), vm["axis"].as<int>()));
    if (vm.count("to-format")) s = to_format(s, format_option(vm, "to-format"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (vm["mod2"].as<bool>() && vm["mod3"].as<bool>()) throw UsageError("--mod2 and --mod3 exclude each other");
  try {
    if (vm["mod2"].as<bool>()) s = s.reduced_mod(Field::Z2);
    if (vm["mod3"].as<bool>()) s = s.reduced_mod(Field::Z3);
  } catch (const std::domain_error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("symmetry")) {
    Rng rng(vm["symmetry"].as<uint64_t>());
    const Format& f = s.format;
    s = sandwich(s, random_signed_permutation(f.n, rng), random_signed_permutation(f.m, rng),
                 random_signed_permutation(f.p, rng));
  }
  const VerifyResult r = verify(s);
  if (!r.ok) {
    std::cerr << "alphatensor scheme: the result is not valid over " << field_name(s.field) << ": " << r.error << "\n";
    return kInvalid;
  }
  if (vm.count("output")) {
    const std::string out = vm["output"].as<std::string>();
    write_scheme(out, s);
    const SchemeStats st = scheme_stats(s);
    const std::string cyclic = cyclic_summary(s, s.field);
    std::cout << out << ": " << s.format.str() << " over " << field_name(s.field) << ", rank " << st.rank
              << " (verified; " << st.nonzeros << " non-zero coefficients, " << st.additions << " additions, " << st.additions_cse
              << " with common subexpressions)" << (cyclic.empty() ? "" : "; " + cyclic) << "\n";
  } else {
    std::cout << scheme_to_json(s);
  }
  return kOk;
}

}  // namespace at::cli
