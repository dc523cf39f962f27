// alphatensor verify FILE...: exact check of each scheme in its declared arithmetic.
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/scheme_io.hpp"
#include "tools/cli.hpp"

namespace at::cli {

int cmd_verify(const std::vector<std::string>& args) {
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
  Field over = Field::Z;
  if (override_field) {
    try {
      over = parse_field(vm["field"].as<std::string>());
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
  }
  const bool as_json = vm["json"].as<bool>();
  bool any_invalid = false, any_unreadable = false;
  for (const std::string& path : vm["files"].as<std::vector<std::string>>()) {
    Scheme s;
    try {
      s = read_scheme(path);
    } catch (const InputError& e) {
      any_unreadable = true;
      if (as_json) std::cout << nlohmann::json{{"file", path}, {"status", "unreadable"}, {"error", e.what()}}.dump() << "\n";
      else std::cout << e.what() << "\n";
      continue;
    }
    const Field field = override_field ? over : s.field;
    const VerifyResult r = verify(s, field);
    const SchemeStats st = scheme_stats(s);
    any_invalid |= !r.ok;
    if (as_json) {
      nlohmann::json j{{"file", path}, {"format", s.format.str()}, {"field", field_name(field)},
                       {"rank", st.rank}, {"status", r.ok ? "valid" : "invalid"},
                       {"nonzeros", st.nonzeros}, {"additions", st.additions}};
      if (!r.ok) j["error"] = r.error;
      std::cout << j.dump() << "\n";
    } else {
      std::cout << path << ": " << s.format.str() << " over " << field_name(field) << ", rank " << st.rank << ": ";
      if (r.ok) std::cout << "VALID (" << st.nonzeros << " non-zero coefficients, " << st.additions << " additions)\n";
      else std::cout << "INVALID: " << r.error << "\n";
    }
  }
  std::cout.flush();
  return any_unreadable ? kUsage : any_invalid ? kInvalid : kOk;
}

}  // namespace at::cli
