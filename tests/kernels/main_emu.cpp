// Kernels in the CUDA emulator, compared with CPU references.
#define BOOST_TEST_MODULE kernels_emu
#include <boost/test/unit_test.hpp>
