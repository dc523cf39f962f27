#pragma once
// Test helpers shared by the core suites.
#include <dirent.h>
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/builtin.hpp"
#include "core/ops.hpp"

inline std::string shared_dir() { return ALPHATENSOR_SHARED_DIR; }

// A scheme that holds mod 3 only: naive 2x2x2 plus three copies of one term (3·t ≡ 0), the last
// copy's u scaled by 7 (≡ 1). Over Z the copies add 9·t, mod 2 they add t.
inline at::Scheme mod3_only_scheme() {
  at::Scheme s = at::naive_scheme(at::Format{2, 2, 2});
  const std::vector<at::Rational> u = {1, 1, 0, 0}, v = {0, 1, 1, 0}, w = {1, 0, 0, -1};
  s.add_term(u, v, w);
  s.add_term(u, v, w);
  s.add_term({7, 7, 0, 0}, v, w);
  return s;
}

// Every scheme file in ../shared/schemes, sorted.
inline std::vector<std::string> shared_scheme_files() {
  std::vector<std::string> out;
  const std::string dir = shared_dir() + "/schemes";
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n.size() > 5 && (n.compare(n.size() - 5, 5, ".json") == 0 || n.compare(n.size() - 4, 4, ".exp") == 0))
        out.push_back(dir + "/" + n);
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A 2x2x2 scheme mod 2 as the set of its terms, each written as 12 bits (u, v, w).
inline std::set<std::string> term_keys_mod2(const at::Scheme& m) {
  std::set<std::string> terms;
  for (int r = 0; r < m.rank(); ++r) {
    std::string key;
    for (const at::Rational* row : {m.u_row(r), m.v_row(r), m.w_row(r)})
      for (int i = 0; i < 4; ++i) key += row[i].mod2() ? '1' : '0';
    terms.insert(key);
  }
  return terms;
}

// Strassen's orbit mod 2 under GL2(F2)^3 sandwiches, cyclic shifts and transposition: the distinct
// schemes (as sets of terms), reduced mod 2. The 6 invertible 0/1 matrices are unimodular over Z.
inline std::vector<at::Scheme> strassen_orbit_mod2() {
  using namespace at;
  std::vector<Mat> gl2;
  for (int bits = 0; bits < 16; ++bits) {
    Mat m(2, 2);
    for (int e = 0; e < 4; ++e) m.a[size_t(e)] = Rational((bits >> e) & 1);
    const Rational det = m(0, 0) * m(1, 1) - m(0, 1) * m(1, 0);
    if (det == Rational(1) || det == Rational(-1)) gl2.push_back(m);
  }
  std::set<std::set<std::string>> seen;
  std::vector<Scheme> out;
  for (const Mat& x : gl2)
    for (const Mat& y : gl2)
      for (const Mat& z : gl2) {
        Scheme s = sandwich(strassen_scheme(), x, y, z);
        for (int t = 0; t < 2; ++t, s = transpose(s))
          for (int c = 0; c < 3; ++c, s = cyclic_shift(s)) {
            const Scheme m = s.reduced_mod(Field::Z2);
            if (seen.insert(term_keys_mod2(m)).second) out.push_back(m);
          }
      }
  return out;
}
