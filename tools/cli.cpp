#include "tools/cli.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace at::cli {

bool parse(const std::string& command, const std::string& usage, const std::vector<std::string>& args,
           po::options_description& opts, const po::positional_options_description& positional,
           po::variables_map& vm) {
  po::options_description common("Common options");
  common.add_options()("help,h", "show this help")(
      "config", po::value<std::string>(), "read options from an INI-style file (key = value); the command line wins");
  po::options_description all;
  all.add(opts).add(common);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "Usage: alphatensor " << command << " " << usage << "\n\n" << all << std::flush;
      return false;
    }
    if (vm.count("config")) {
      const std::string path = vm["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) throw UsageError(path + ": cannot open config file");
      po::store(po::parse_config_file(in, opts), vm);  // stored after: the command line wins
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return true;
}

bool interactive_stdout() { return ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr; }

}  // namespace at::cli
