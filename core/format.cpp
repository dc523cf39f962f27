#include "core/format.hpp"

#include <algorithm>
#include <stdexcept>

namespace at {

std::string Format::str() const {
  return std::to_string(n) + "x" + std::to_string(m) + "x" + std::to_string(p);
}

Format Format::parse(const std::string& s) {
  int dims[3];
  size_t pos = 0;
  for (int d = 0; d < 3; ++d) {
    if (d > 0) {
      if (pos >= s.size() || (s[pos] != ',' && s[pos] != 'x'))
        throw std::invalid_argument("format '" + s + "' is not n,m,p");
      ++pos;
    }
    const size_t start = pos;
    int v = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 3)
      v = v * 10 + (s[pos++] - '0');
    if (pos == start) throw std::invalid_argument("format '" + s + "' is not n,m,p");
    if (v < 1 || v > kMaxDim)
      throw std::invalid_argument("format '" + s + "': each size must be 1.." +
                                  std::to_string(kMaxDim));
    dims[d] = v;
  }
  if (pos != s.size()) throw std::invalid_argument("format '" + s + "' is not n,m,p");
  return Format{dims[0], dims[1], dims[2]};
}

Format Format::sorted() const {
  int d[3] = {n, m, p};
  std::sort(d, d + 3);
  return Format{d[0], d[1], d[2]};
}

}  // namespace at
