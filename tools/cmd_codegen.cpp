// alphatensor codegen SCHEME --lang cpp|cuda -o FILE: readable, self-contained source running the
// same block plan as the in-process executor (`alphatensor bench scheme`).
#include <iostream>

#include "codegen/emit.hpp"
#include "core/files.hpp"
#include "tools/cli.hpp"
#include "tools/runtime_options.hpp"

namespace at::cli {

int cmd_codegen(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("scheme", po::value<std::string>()->required(), "scheme file (.json or .exp), over Z or Q")(
      "lang", po::value<std::string>()->default_value("cpp"), "cpp (standard C++ only) or cuda (.cu, own kernels)")(
      "output,o", po::value<std::string>()->required(), "source file to write")(
      "levels", po::value<int>()->default_value(1), "default recursion depth of the emitted function")(
      "name", po::value<std::string>()->default_value("fast_matmul"), "name of the emitted function (C identifier)");
  opts.add(plan_options());
  po::positional_options_description pos;
  pos.add("scheme", 1);
  po::variables_map vm;
  if (!parse("codegen", "SCHEME --lang cpp|cuda -o FILE [--levels L] [--name NAME]", args, opts, pos, vm)) return kOk;
  const std::string lang = vm["lang"].as<std::string>();
  if (lang != "cpp" && lang != "cuda") throw UsageError("--lang must be cpp or cuda, not '" + lang + "'");
  codegen::EmitOptions eo;
  eo.name = vm["name"].as<std::string>();
  eo.levels = vm["levels"].as<int>();
  eo.source = vm["scheme"].as<std::string>();
  try {
    codegen::check_emit_options(eo);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const Scheme s = codegen::read_real_scheme(eo.source);
  const codegen::Plan plan = codegen::build_plan(s, read_plan_options(vm));
  const std::string out = vm["output"].as<std::string>();
  write_file_atomic(out, lang == "cpp" ? codegen::emit_cpp(s, plan, eo) : codegen::emit_cuda(s, plan, eo));
  const codegen::PlanCost cost = codegen::plan_cost(s, plan);
  std::cout << out << ": " << lang << ", " << s.format.str() << " rank " << s.rank() << ", " << eo.levels
            << " level(s) by default, block additions per level " << cost.plan_additions << " (naive "
            << cost.naive_additions << ", " << cost.temporaries << " common subexpressions), block reads+writes "
            << cost.block_passes << "\n";
  return kOk;
}

}  // namespace at::cli
