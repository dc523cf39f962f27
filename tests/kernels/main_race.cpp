// The same kernel tests with the emulator's shared-memory race check on: any race fails the run.
#define BOOST_TEST_MODULE kernels_emu_race
#include <boost/test/unit_test.hpp>

#include "kernels/emu/race_check.hpp"

struct RaceCheck {
  RaceCheck() { at::emu::race_check_enable(); }
};
BOOST_TEST_GLOBAL_FIXTURE(RaceCheck);
