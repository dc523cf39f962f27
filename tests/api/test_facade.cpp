// The C++ facade (alphatensor.hpp) on schemes: statistics, fields, convert, and the status of
// each error.
#include <alphatensor/alphatensor.hpp>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/shell.hpp"

namespace {

namespace lib = alphatensor;
const std::string data = std::string(ALPHATENSOR_SOURCE_DIR) + "/data/schemes/";

template <class F>
lib::Status status_of(F&& f) {
  try {
    f();
  } catch (const lib::Error& e) {
    return e.status();
  }
  return lib::Status::Ok;
}

}  // namespace

BOOST_AUTO_TEST_CASE(facade_schemes) {
  const lib::Scheme s = lib::Scheme::read(data + "2x2x2_r7_Z.json");
  const lib::Statistics st = s.statistics();
  BOOST_TEST(lib::to_string(st.format) == "2x2x2");
  BOOST_TEST((st.rank == 7 && st.field == lib::Field::Z && st.largest_coefficient == 1 && st.largest_denominator == 1));
  BOOST_TEST(s.verify().valid);
  for (lib::Field f : {lib::Field::Z, lib::Field::Z2, lib::Field::Z3, lib::Field::Q}) BOOST_TEST(s.verify(f).valid);
  BOOST_TEST(!lib::Scheme::read(data + "2x2x2_r7_Z2.json").verify(lib::Field::Z).valid);
  BOOST_TEST(lib::Scheme::strassen().rank() == 7);
  BOOST_TEST(lib::Scheme::naive({2, 3, 4}).rank() == 24);
  BOOST_TEST(lib::Scheme().rank() == 0);
  BOOST_TEST(lib::field_name(lib::parse_field("GF3")) == "Z3");

  const std::string dir = at::test::temp_dir("alphatensor_facade_");
  BOOST_TEST(lib::convert(data + "2x2x2_r7_Z.json", dir + "/s.exp").rank() == 7);
  BOOST_TEST(lib::Scheme::read(dir + "/s.exp").verify().valid);
  std::ofstream(dir + "/bad.json") << R"({"n": [1, 1, 1], "m": 1, "u": [[2]], "v": [[1]], "w": [[1]]})";
  BOOST_TEST(int(status_of([&] { lib::convert(dir + "/bad.json", dir + "/out.json"); })) == int(lib::Status::InvalidScheme));
  BOOST_TEST(!std::ifstream(dir + "/out.json").good());
  BOOST_TEST(int(status_of([&] { lib::convert(dir + "/s.exp", dir + "/out.csv"); })) == int(lib::Status::InvalidArgument));
  BOOST_TEST(int(status_of([&] { lib::Scheme::read(dir + "/missing.json"); })) == int(lib::Status::InputError));
  BOOST_TEST(int(status_of([] { lib::parse_field("R"); })) == int(lib::Status::InvalidArgument));
  BOOST_TEST(int(status_of([] { lib::Scheme::naive({0, 1, 1}); })) == int(lib::Status::InvalidArgument));
  at::test::shell("rm -rf " + dir);
}
