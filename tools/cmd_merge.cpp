// alphatensor merge DIR... --out DIR: the best schemes of several runs (e.g. the tasks of a SLURM
// job array) into one folder, through the SchemeStore: every file verified exactly before it is
// written, written atomically, and logged in OUT/schemes/found.jsonl.
#include <algorithm>
#include <iostream>
#include <sys/stat.h>

#include "core/scheme_io.hpp"
#include "core/scheme_store.hpp"
#include "tools/cli.hpp"

namespace at::cli {
namespace {

// A run folder holds its schemes in schemes/; any other folder is read as it is.
std::string schemes_folder(const std::string& dir) {
  struct stat st;
  const std::string sub = dir + "/schemes";
  return ::stat(sub.c_str(), &st) == 0 && S_ISDIR(st.st_mode) ? sub : dir;
}

}  // namespace

int cmd_merge(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("dirs", po::value<std::vector<std::string>>()->multitoken(), "run folders (their schemes/) or folders of scheme files")
      ("out", po::value<std::string>(), "output folder: OUT/schemes/ gets the best scheme per format and field");
  po::positional_options_description pos;
  pos.add("dirs", -1);
  po::variables_map vm;
  if (!parse("merge", "DIR... --out OUT\n\n"
                      "Keeps the best verified scheme per format and field of all DIRs in OUT/schemes/ (and logs\n"
                      "every distinct scheme of that rank in OUT/schemes/found.jsonl), as the runs themselves do.\n"
                      "Schemes already in OUT count too, so merging again only adds what is better.\n"
                      "Exit 0: merged; 1: a file did not verify (skipped); 2: a folder or file is unreadable.",
             args, opts, pos, vm))
    return kOk;
  if (!vm.count("dirs")) throw UsageError("no input folders given");
  if (!vm.count("out")) throw UsageError("--out DIR is required");
  struct Input {
    std::string path;
    Scheme scheme;
  };
  std::vector<Input> inputs;
  bool unreadable = false, invalid = false;
  for (const std::string& dir : vm["dirs"].as<std::vector<std::string>>())
    for (const std::string& path : scheme_files_in(schemes_folder(dir), true)) {
      try {
        inputs.push_back({path, read_scheme(path)});
      } catch (const InputError& e) {
        std::cerr << "alphatensor merge: skipping " << e.what() << "\n";
        unreadable = true;
      }
    }
  // Lowest rank first: only the best of each format and field is written, not every step down.
  std::stable_sort(inputs.begin(), inputs.end(),
                   [](const Input& a, const Input& b) { return a.scheme.rank() < b.scheme.rank(); });
  SchemeStore store(vm["out"].as<std::string>());
  int written = 0, distinct = 0;
  for (const Input& in : inputs) {
    const Scheme& s = in.scheme;
    switch (store.offer(s, "merge of " + in.path)) {
      case SchemeStore::Outcome::Invalid:
        std::cerr << "alphatensor merge: skipping " << in.path << ": not a valid scheme over " << field_name(s.field) << "\n";
        invalid = true;
        break;
      case SchemeStore::Outcome::NewBest:
        ++written;
        std::cout << s.format.str() << " " << field_name(s.field) << ": rank " << s.rank() << " from " << in.path << " -> "
                  << store.path_for(s.format, s.rank(), s.field) << " (verified)\n";
        break;
      case SchemeStore::Outcome::NewDistinct:
        ++distinct;
        break;
      default:
        break;
    }
  }
  std::cout << inputs.size() << " scheme file(s) read, " << written << " written, " << distinct
            << " more distinct scheme(s) of a best rank logged in " << store.log_path() << "\n";
  return unreadable ? kUsage : invalid ? kInvalid : kOk;
}

}  // namespace at::cli
