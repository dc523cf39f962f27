// Fuzz-style robustness: thousands of mutated scheme files go through the readers. Each must
// either parse or throw InputError; anything else (another exception, a crash, a sanitizer
// report) fails. Seeded, so a failure reproduces.
#include <boost/test/unit_test.hpp>

#include "core/rng.hpp"
#include "core/scheme_io.hpp"
#include "helpers.hpp"

using namespace at;

namespace {

std::string mutate(std::string s, Rng& rng) {
  static const std::string tokens[] = {"[", "]", "{", "}", ",", "\"", ":", "-", "/", "0", "9", "1e9",
                                       "99999999999999999999999", "\"1/0\"", "null", "true", "*", "(",
                                       ")", "a", "c99", "+", "\n", "\"z2\"", "\xff", std::string(1, '\0')};
  const int edits = int(rng.uniform_int(1, 4));
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const size_t pos = size_t(rng.uniform_int(0, int64_t(s.size()) - 1));
    switch (rng.uniform_int(0, 5)) {
      case 0: s[pos] = char(rng.uniform_int(0, 255)); break;                 // random byte
      case 1: s.erase(pos, size_t(rng.uniform_int(1, 16))); break;           // deletion
      case 2: s.insert(pos, tokens[rng.uniform_int(0, 25)]); break;          // syntax token
      case 3: s.resize(pos); break;                                          // truncation
      case 4: s.insert(pos, s.substr(pos, size_t(rng.uniform_int(1, 64)))); break;  // duplication
      default: {                                                             // digit change
        for (size_t i = pos; i < s.size(); ++i)
          if (s[i] >= '0' && s[i] <= '9') { s[i] = char('0' + rng.uniform_int(0, 9)); break; }
      }
    }
  }
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(mutated_files_never_crash_the_readers) {
  std::vector<std::pair<std::string, std::string>> seeds;  // (name, text)
  for (const std::string& path : shared_scheme_files())
    if (path.find("5x5x5") == std::string::npos && path.find("4x5x5") == std::string::npos)
      seeds.push_back({path, read_file(path)});
  BOOST_TEST_REQUIRE(!seeds.empty());
  Rng rng(2024);
  long parsed = 0, rejected = 0;
  const int rounds = 6000;
  for (int t = 0; t < rounds; ++t) {
    const auto& [name, text] = seeds[size_t(rng.uniform_int(0, int64_t(seeds.size()) - 1))];
    const std::string m = mutate(text, rng);
    const bool exp = name.size() > 4 && name.compare(name.size() - 4, 4, ".exp") == 0;
    try {
      const Scheme s = exp ? parse_scheme_exp(m, "fuzz.exp") : parse_scheme_json(m, "fuzz.json");
      verify(s);  // whatever parsed must also be checkable without crashing
      ++parsed;
    } catch (const InputError& e) {
      ++rejected;
      BOOST_TEST(std::string(e.what()).find('\n') == std::string::npos);
    } catch (const std::exception& e) {
      BOOST_ERROR("round " << t << ": unexpected " << typeid(e).name() << ": " << e.what());
    }
  }
  // Random binary garbage.
  for (int t = 0; t < 500; ++t) {
    std::string g(size_t(rng.uniform_int(0, 300)), '\0');
    for (char& c : g) c = char(rng.uniform_int(0, 255));
    try { parse_scheme_json(g, "g.json"); } catch (const InputError&) {}
    try { parse_scheme_exp(g, "g.exp"); } catch (const InputError&) {}
  }
  BOOST_TEST_MESSAGE("fuzz: " << parsed << " parsed, " << rejected << " rejected");
  BOOST_TEST(rejected > rounds / 2);
}
