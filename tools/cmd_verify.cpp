// alphatensor verify FILE...: exact check of each scheme in its declared arithmetic (through the
// library facade, alphatensor.hpp).
#include <alphatensor/alphatensor.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tools/cli.hpp"

namespace at::cli {

int cmd_verify(const std::vector<std::string>& args) {
  namespace lib = alphatensor;
  po::options_description opts("Options");
  opts.add_options()
      ("files", po::value<std::vector<std::string>>()->multitoken(), "scheme files (.json, .exp, .txt)")
      ("field", po::value<std::string>(), "check over Z, Z2, Z3 or Q instead of the file's own arithmetic")
      ("json", po::bool_switch(), "one JSON object per file instead of text");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm;
  if (!parse("verify", "FILE... [--field Z|Z2|Z3|Q] [--json]", args, opts, pos, vm)) return kOk;
  if (!vm.count("files")) throw UsageError("no scheme files given");
  bool override_field = vm.count("field") > 0;
  lib::Field over = lib::Field::Z;
  if (override_field) {
    try {
      over = lib::parse_field(vm["field"].as<std::string>());
    } catch (const lib::Error& e) {
      throw UsageError(e.what());
    }
  }
  const bool as_json = vm["json"].as<bool>();
  bool any_invalid = false, any_unreadable = false;
  for (const std::string& path : vm["files"].as<std::vector<std::string>>()) {
    lib::Scheme s;
    try {
      s = lib::Scheme::read(path);
    } catch (const lib::Error& e) {
      if (e.status() != lib::Status::InputError) throw;
      any_unreadable = true;
      if (as_json) std::cout << nlohmann::json{{"file", path}, {"status", "unreadable"}, {"error", e.what()}}.dump() << "\n";
      else std::cout << e.what() << "\n";
      continue;
    }
    const lib::Field field = override_field ? over : s.field();
    const lib::Verification r = s.verify(field);
    const lib::Statistics st = s.statistics();
    const lib::Cyclic cyclic = s.cyclic(field);
    const std::string format = lib::to_string(st.format);
    any_invalid |= !r.valid;
    if (as_json) {
      nlohmann::json j{{"file", path}, {"format", format}, {"field", lib::field_name(field)},
                       {"rank", st.rank}, {"status", r.valid ? "valid" : "invalid"},
                       {"nonzeros", st.nonzeros}, {"additions", st.additions}, {"additions_cse", st.additions_cse}};
      if (!r.valid) j["error"] = r.error;
      if (cyclic.square) {
        j["cyclic_invariant"] = cyclic.invariant;
        if (cyclic.invariant) j["fixed_terms"] = cyclic.fixed_terms, j["orbits"] = cyclic.orbits;
      }
      std::cout << j.dump() << "\n";
    } else {
      std::cout << path << ": " << format << " over " << lib::field_name(field) << ", rank " << st.rank << ": ";
      if (r.valid) std::cout << "VALID (" << st.nonzeros << " non-zero coefficients, " << st.additions << " additions, "
                             << st.additions_cse << " with common subexpressions)";
      else std::cout << "INVALID: " << r.error;
      std::cout << (cyclic.summary.empty() ? "" : "; " + cyclic.summary) << "\n";
    }
  }
  std::cout.flush();
  return any_unreadable ? kUsage : any_invalid ? kInvalid : kOk;
}

}  // namespace at::cli
