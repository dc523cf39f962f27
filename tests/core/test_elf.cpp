#include <elf.h>

#include <boost/test/unit_test.hpp>
#include <cstring>

#include "core/elf.hpp"
#include "core/files.hpp"

using namespace at;

namespace {
template <class T>
void put(std::string& s, T v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}
// A fatbin entry as nvcc writes it: kind, version, header size 64, payload size, the SM at +28.
std::string entry(uint16_t kind, uint32_t header_sm, const std::string& payload) {
  std::string e;
  put<uint16_t>(e, kind), put<uint16_t>(e, 0x101), put<uint32_t>(e, 64), put<uint64_t>(e, payload.size());
  put<uint32_t>(e, 0), put<uint32_t>(e, 0), put<uint32_t>(e, 0x10008), put<uint32_t>(e, header_sm);
  e.resize(64, '\0');
  return e + payload;
}
std::string cubin(int sm) {
  Elf64_Ehdr h{};
  std::memcpy(h.e_ident, ELFMAG, SELFMAG);
  h.e_ident[EI_CLASS] = ELFCLASS64;
  h.e_ident[EI_ABIVERSION] = 8;
  h.e_machine = EM_CUDA;
  h.e_flags = 0x5000004u | unsigned(sm) << 8;
  return std::string(reinterpret_cast<const char*>(&h), sizeof h);
}
std::string fatbin(const std::string& entries) {
  std::string f;
  put<uint32_t>(f, 0xBA55ED50), put<uint16_t>(f, 1), put<uint16_t>(f, 16), put<uint64_t>(f, entries.size());
  return f + entries;
}
}  // namespace

BOOST_AUTO_TEST_CASE(elf_glibc_floor_of_this_test) {
  const std::string floor = elf::glibc_floor("/proc/self/exe");
  BOOST_TEST(floor.rfind("GLIBC_2.", 0) == 0u, floor);
  BOOST_TEST(elf::cuda_code("/proc/self/exe").empty());  // host code only
}

BOOST_AUTO_TEST_CASE(elf_fatbin_sm_from_the_cubin_header) {
  // The SM of an uncompressed cubin comes from its ELF header, not the entry header (given 0 here).
  const std::string one = fatbin(entry(2, 0, cubin(90)) + entry(1, 90, "ptx") + entry(2, 80, "zstd-bytes"));
  const std::string padded = one + std::string(8 - one.size() % 8, '\0');
  const auto code = elf::parse_fatbin(padded + one, "test");  // two translation units, same code
  BOOST_TEST(elf::describe(code) == "sm_80(compressed) sm_90 compute_90");
}

BOOST_AUTO_TEST_CASE(elf_bad_input_is_an_input_error) {
  const std::string good = fatbin(entry(2, 0, cubin(75)));
  BOOST_CHECK_THROW(elf::parse_fatbin(good.substr(0, good.size() - 8), "cut"), InputError);
  BOOST_CHECK_THROW(elf::parse_fatbin(std::string(16, 'x'), "junk"), InputError);
  BOOST_CHECK_THROW(elf::glibc_floor(ALPHATENSOR_SOURCE_DIR "/README.md"), InputError);
  BOOST_CHECK_THROW(elf::cuda_code("/nonexistent/alphatensor"), InputError);
}
