#pragma once
// Race checker of the CUDA emulator (available in executables built with the race-check
// configuration: kernels instrumented with -fsanitize=kernel-address).
#include <string>
#include <vector>

namespace at::emu {

void race_check_enable();
long race_count();
std::vector<std::string> race_reports();
void race_reset();

}  // namespace at::emu
