// alphatensor convert IN OUT: between .json, .exp and .txt (by extension), verified before writing
// (through the library facade, alphatensor.hpp).
#include <alphatensor/alphatensor.hpp>
#include <iostream>

#include "tools/cli.hpp"

namespace at::cli {

int cmd_convert(const std::vector<std::string>& args) {
  namespace lib = alphatensor;
  po::options_description opts("Options");
  opts.add_options()("in", po::value<std::string>()->required(), "input scheme (.json, .exp or .txt)")(
      "out", po::value<std::string>()->required(), "output scheme (.json, .exp or .txt)");
  po::positional_options_description pos;
  pos.add("in", 1).add("out", 1);
  po::variables_map vm;
  if (!parse("convert", "IN OUT", args, opts, pos, vm)) return kOk;
  const std::string out = vm["out"].as<std::string>();
  const lib::Scheme s = lib::convert(vm["in"].as<std::string>(), out);
  std::cout << out << ": " << lib::to_string(s.format()) << " over " << lib::field_name(s.field()) << ", rank "
            << s.rank() << "\n";
  return kOk;
}

}  // namespace at::cli
