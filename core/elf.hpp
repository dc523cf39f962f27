#pragma once
// What an ELF executable needs and holds, read from the file itself (for `alphatensor info` on
// /proc/self/exe and the release checks): the newest glibc symbol version it requires, and the
// CUDA code in its fatbin.
#include <string>
#include <vector>

namespace at::elf {

// The highest GLIBC_x.y among the versions the file's .gnu.version_r requires ("" when none), i.e.
// the oldest glibc the binary starts with. Throws InputError if the file is not a readable ELF64.
std::string glibc_floor(const std::string& path);

// One piece of device code in a fatbin: SASS for one SM (its cubin's ELF header says which), or PTX.
struct CudaCode {
  bool ptx = false;
  int sm = 0;                // e.g. 90 for sm_90 / compute_90
  bool from_header = false;  // SASS whose cubin is compressed: SM taken from the fatbin entry header
  bool operator==(const CudaCode& o) const { return ptx == o.ptx && sm == o.sm && from_header == o.from_header; }
};
// The device code of every fatbin in the file's .nv_fatbin section, sorted, without duplicates
// (each translation unit carries its own fatbin). Empty when the file has no such section.
std::vector<CudaCode> cuda_code(const std::string& path);
// The same from the bytes of a .nv_fatbin section (exposed for tests).
std::vector<CudaCode> parse_fatbin(const std::string& section, const std::string& what);

// "sm_75 sm_80 compute_90": the list as nvcc names it.
std::string describe(const std::vector<CudaCode>& code);

}  // namespace at::elf
