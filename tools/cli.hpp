#pragma once
// Shared command-line plumbing: every subcommand has --help and --config FILE (INI-style
// key = value; the command line overrides the file), and the same exit codes.
#include <boost/program_options.hpp>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace at::cli {

namespace po = boost::program_options;

// Exit codes, documented in the README.
enum Exit : int {
  kOk = 0,
  kInvalid = 1,      // verify: a scheme is invalid
  kUsage = 2,        // bad command line or unreadable/malformed input
  kRuntime = 3,      // anything else that went wrong
  kInterrupted = 4,  // stopped by a signal after writing its checkpoint
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Command {
  std::string name;
  std::string summary;
  std::function<int(const std::vector<std::string>& args)> run;
};

// All subcommands, in help order (defined in main.cpp).
const std::vector<Command>& commands();

// Parses `args` (after the subcommand name). Adds --help and --config. Returns false when help was
// printed (the caller returns kOk). Throws UsageError on bad options.
bool parse(const std::string& command, const std::string& usage, const std::vector<std::string>& args,
           po::options_description& opts, const po::positional_options_description& positional,
           po::variables_map& vm);

// True when stdout is a terminal and NO_COLOR is unset (live progress lines vs plain lines).
bool interactive_stdout();

}  // namespace at::cli
