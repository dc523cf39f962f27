// alphatensor convert IN OUT: between .json, .exp and .txt (by extension), verified before writing.
#include <iostream>

#include "core/scheme_io.hpp"
#include "tools/cli.hpp"

namespace at::cli {

int cmd_convert(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("in", po::value<std::string>()->required(), "input scheme (.json, .exp or .txt)")(
      "out", po::value<std::string>()->required(), "output scheme (.json, .exp or .txt)");
  po::positional_options_description pos;
  pos.add("in", 1).add("out", 1);
  po::variables_map vm;
  if (!parse("convert", "IN OUT", args, opts, pos, vm)) return kOk;
  const std::string in = vm["in"].as<std::string>(), out = vm["out"].as<std::string>();
  scheme_file_type(out);  // reject an unknown output type before reading anything
  const Scheme s = read_scheme(in);
  const VerifyResult r = verify(s);
  if (!r.ok) {
    std::cerr << "alphatensor convert: " << in << " is not valid over " << field_name(s.field) << ": " << r.error
              << "; nothing written\n";
    return kInvalid;
  }
  write_scheme(out, s);
  std::cout << out << ": " << s.format.str() << " over " << field_name(s.field) << ", rank " << s.rank() << "\n";
  return kOk;
}

}  // namespace at::cli
