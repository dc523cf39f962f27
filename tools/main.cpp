// alphatensor: one binary, many subcommands. Exit codes: see tools/cli.hpp and the README.
#include <alphatensor/alphatensor.hpp>
#include <iostream>

#include "core/build_info.hpp"
#include "core/isa.hpp"
#include "core/files.hpp"
#include "tools/cli.hpp"

namespace at::cli {

int cmd_verify(const std::vector<std::string>&);
int cmd_convert(const std::vector<std::string>&);
int cmd_scheme(const std::vector<std::string>&);
int cmd_info(const std::vector<std::string>&);
int cmd_records(const std::vector<std::string>&);
int cmd_bench(const std::vector<std::string>&);
int cmd_train(const std::vector<std::string>&);
int cmd_search(const std::vector<std::string>&);
int cmd_model(const std::vector<std::string>&);
int cmd_codegen(const std::vector<std::string>&);
int cmd_improve(const std::vector<std::string>&);
int cmd_lift(const std::vector<std::string>&);
int cmd_report(const std::vector<std::string>&);
int cmd_merge(const std::vector<std::string>&);
int cmd_campaign(const std::vector<std::string>&);

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"train", "discover schemes: self-play search + network training", cmd_train},
      {"search", "one hard target: tree-parallel search with virtual loss (uniform or trained network)", cmd_search},
      {"verify", "check scheme files exactly (Z, Z2 or Q)", cmd_verify},
      {"convert", "convert a scheme between .json, .exp and .txt", cmd_convert},
      {"scheme", "build schemes: naive, Strassen, products, sums, permutations", cmd_scheme},
      {"records", "our best schemes against the best known ranks", cmd_records},
      {"model", "network checkpoints: info, init, export/import safetensors", cmd_model},
      {"improve", "flip-graph search for lower ranks (GF(2) or Z), pool strategy, parallel", cmd_improve},
      {"merge", "the best verified schemes of several runs (e.g. a job array) into one folder", cmd_merge},
      {"campaign", "flip-graph searches over many formats, seeded from smaller ones, resumable", cmd_campaign},
      {"lift", "Hensel lifting of a mod-2 or mod-3 scheme to one valid over Z (or Q)", cmd_lift},
      {"report", "charts of train/search/improve runs and their best schemes in one HTML page", cmd_report},
      {"info", "version, build options, libraries, CUDA devices", cmd_info},
      {"codegen", "emit C++ or CUDA source that multiplies matrices with a scheme", cmd_codegen},
      {"bench", "benchmarks: core, nn, mcts, scheme, improve", cmd_bench},
  };
  return list;
}

}  // namespace at::cli

namespace {
void usage(std::ostream& o) {
  o << "Usage: alphatensor <command> [options]   (alphatensor <command> --help for details)\n\n"
       "Discovers and checks fast matrix multiplication algorithms (AlphaTensor).\n\nCommands:\n";
  for (const auto& c : at::cli::commands()) {
    o << "  " << c.name << std::string(c.name.size() < 10 ? 10 - c.name.size() : 1, ' ') << c.summary << "\n";
  }
  o << "\nExit codes: 0 ok, 1 invalid scheme, 2 usage or input error, 3 runtime error,\n"
       "4 stopped by a signal after writing a checkpoint.\n";
}
// One write per line: the ranks of an MPI job share one stderr, and pieces would interleave.
void error_line(const std::string& command, const std::string& message) {
  std::cerr << ("alphatensor " + command + ": " + message + "\n") << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace at::cli;
  std::ios::sync_with_stdio(false);
  if (argc < 2) {
    usage(std::cerr);
    return kUsage;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(std::cout);
    return kOk;
  }
  if (name == "--version") {
    std::cout << "alphatensor " << at::build_info().version << " (" << at::build_info().git << ")\n";
    return kOk;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& c : commands()) {
    if (c.name != name) continue;
    try {
      at::active_isa();  // the CPU path, chosen once: a bad ALPHATENSOR_ISA stops every command here
      return c.run(args);
    } catch (const UsageError& e) {
      error_line(name, e.what() + std::string(" (see --help)"));
      return kUsage;
    } catch (const at::InputError& e) {
      error_line(name, e.what());
      return kUsage;
    } catch (const alphatensor::Error& e) {  // from the library facade
      const bool runtime = e.status() == alphatensor::Status::Runtime;
      error_line(name, (runtime ? "error: " : "") + std::string(e.what()));
      return runtime ? kRuntime : e.status() == alphatensor::Status::InvalidScheme ? kInvalid : kUsage;
    } catch (const std::exception& e) {
      error_line(name, "error: " + std::string(e.what()));
      return kRuntime;
    }
  }
  std::cerr << "alphatensor: unknown command '" << name << "'\n";
  usage(std::cerr);
  return kUsage;
}
