#include "core/elf.hpp"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <tuple>

#include "core/files.hpp"

namespace at::elf {
namespace {

// An ELF64 file's section headers; sections are read on demand (the binary can be large).
class File {
 public:
  explicit File(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    Elf64_Ehdr h{};
    if (!in_ || !read_at(0, &h, sizeof h) || std::memcmp(h.e_ident, ELFMAG, SELFMAG) != 0 ||
        h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_shentsize != sizeof(Elf64_Shdr))
      throw InputError(path + ": not a readable 64-bit ELF file");
    sections_.resize(h.e_shnum);
    if (!sections_.empty() && !read_at(h.e_shoff, sections_.data(), sections_.size() * sizeof(Elf64_Shdr)))
      throw InputError(path + ": truncated section headers");
    if (h.e_shstrndx < sections_.size()) names_ = contents(sections_[h.e_shstrndx]);
  }
  const Elf64_Shdr* find_type(uint32_t type) const {
    for (const auto& s : sections_)
      if (s.sh_type == type) return &s;
    return nullptr;
  }
  const Elf64_Shdr* find_name(const std::string& name) const {
    for (const auto& s : sections_)
      if (s.sh_name < names_.size() && name == names_.c_str() + s.sh_name) return &s;
    return nullptr;
  }
  const Elf64_Shdr& at(size_t index) const {
    if (index >= sections_.size()) throw InputError(path_ + ": section index out of range");
    return sections_[index];
  }
  std::string contents(const Elf64_Shdr& s) {
    if (s.sh_type == SHT_NOBITS) return {};
    std::string bytes(s.sh_size, '\0');
    if (!read_at(s.sh_offset, bytes.data(), bytes.size())) throw InputError(path_ + ": truncated section");
    return bytes;
  }

 private:
  bool read_at(uint64_t offset, void* out, size_t n) {
    in_.clear();
    in_.seekg(std::streamoff(offset));
    return bool(in_.read(static_cast<char*>(out), std::streamsize(n)));
  }
  std::string path_;
  std::ifstream in_;
  std::vector<Elf64_Shdr> sections_;
  std::string names_;
};

// Reads a T at `offset` of `bytes`, or throws naming `what`.
template <class T>
T load(const std::string& bytes, uint64_t offset, const std::string& what) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T))
    throw InputError(what + ": truncated at byte " + std::to_string(offset));
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

// "GLIBC_2.17" -> {2, 17}; anything else (GLIBC_PRIVATE, other libraries) -> empty.
std::vector<int> glibc_version(const std::string& name) {
  const std::string prefix = "GLIBC_";
  if (name.compare(0, prefix.size(), prefix) != 0) return {};
  std::vector<int> parts{0};
  for (size_t i = prefix.size(); i < name.size(); ++i) {
    if (name[i] == '.') parts.push_back(0);
    else if (name[i] >= '0' && name[i] <= '9') parts.back() = parts.back() * 10 + (name[i] - '0');
    else return {};
  }
  return parts;
}

}  // namespace

std::string glibc_floor(const std::string& path) {
  File f(path);
  const Elf64_Shdr* verneed = f.find_type(SHT_GNU_verneed);
  if (!verneed) return "";
  const std::string need = f.contents(*verneed), strings = f.contents(f.at(verneed->sh_link));
  std::string best;
  std::vector<int> best_version;
  // Each library entry (Elf64_Verneed) lists its required versions (Elf64_Vernaux) by offsets.
  uint64_t entry = 0;
  for (uint64_t n = 0; n < verneed->sh_info; ++n) {
    const auto vn = load<Elf64_Verneed>(need, entry, path + " .gnu.version_r");
    uint64_t aux = entry + vn.vn_aux;
    for (unsigned i = 0; i < vn.vn_cnt; ++i) {
      const auto va = load<Elf64_Vernaux>(need, aux, path + " .gnu.version_r");
      if (va.vna_name >= strings.size()) throw InputError(path + ": bad version name offset");
      const std::string name = strings.c_str() + va.vna_name;
      const std::vector<int> v = glibc_version(name);
      if (!v.empty() && (best.empty() || best_version < v)) best = name, best_version = v;
      aux += va.vna_next;
    }
    if (!vn.vn_next) break;
    entry += vn.vn_next;
  }
  return best;
}

std::vector<CudaCode> parse_fatbin(const std::string& bytes, const std::string& what) {
  constexpr uint32_t kMagic = 0xBA55ED50;  // a fatbin's header: magic, version, header size, payload size
  constexpr uint16_t kPtx = 1, kElf = 2;
  std::vector<CudaCode> code;
  uint64_t off = 0;
  while (off + 16 <= bytes.size()) {
    if (load<uint32_t>(bytes, off, what) != kMagic) {
      if (load<uint64_t>(bytes, off, what) != 0) throw InputError(what + ": no fatbin header at byte " + std::to_string(off));
      off += 8;  // alignment padding between the fatbins of two translation units
      continue;
    }
    const uint64_t start = off + load<uint16_t>(bytes, off + 6, what), end = start + load<uint64_t>(bytes, off + 8, what);
    if (end > bytes.size()) throw InputError(what + ": fatbin at byte " + std::to_string(off) + " overruns the section");
    // Entry header: kind, version, header size, payload size; the SM at +28, flags at +40.
    for (uint64_t e = start; e < end;) {
      const uint16_t kind = load<uint16_t>(bytes, e, what);
      const uint64_t payload = e + load<uint32_t>(bytes, e + 4, what), size = load<uint64_t>(bytes, e + 8, what);
      if (payload > end || end - payload < size) throw InputError(what + ": fatbin entry at byte " + std::to_string(e) + " overruns");
      CudaCode c;
      c.sm = int(load<uint32_t>(bytes, e + 28, what));
      if (kind == kPtx) {
        c.ptx = true;
      } else if (kind == kElf) {
        if (size >= sizeof(Elf64_Ehdr) && std::memcmp(bytes.data() + payload, ELFMAG, SELFMAG) == 0) {
          const auto h = load<Elf64_Ehdr>(bytes, payload, what);
          if (h.e_machine != EM_CUDA) throw InputError(what + ": a fatbin cubin is not CUDA code");
          // The SM moved from the low byte of e_flags to the next one with ELF ABI version 8 (CUDA 12).
          c.sm = int(h.e_ident[EI_ABIVERSION] >= 8 ? (h.e_flags >> 8) & 0xff : h.e_flags & 0xff);
        } else {
          c.from_header = true;
        }
      } else {
        throw InputError(what + ": unknown fatbin entry kind " + std::to_string(kind));
      }
      code.push_back(c);
      e = payload + size;
    }
    off = (end + 7) / 8 * 8;
  }
  const auto key = [](const CudaCode& c) { return std::make_tuple(c.ptx, c.sm, c.from_header); };
  std::sort(code.begin(), code.end(), [&](const CudaCode& a, const CudaCode& b) { return key(a) < key(b); });
  code.erase(std::unique(code.begin(), code.end()), code.end());
  return code;
}

std::vector<CudaCode> cuda_code(const std::string& path) {
  File f(path);
  const Elf64_Shdr* s = f.find_name(".nv_fatbin");
  return s ? parse_fatbin(f.contents(*s), path + " .nv_fatbin") : std::vector<CudaCode>{};
}

std::string describe(const std::vector<CudaCode>& code) {
  std::string out;
  for (const CudaCode& c : code)
    out += (out.empty() ? "" : " ") + std::string(c.ptx ? "compute_" : "sm_") + std::to_string(c.sm) +
           (c.from_header ? "(compressed)" : "");
  return out;
}

}  // namespace at::elf
