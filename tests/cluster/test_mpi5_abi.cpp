// Our own MPI-5 standard ABI declarations (cluster/mpi5_abi.hpp) against an implementation's
// mpi_abi.h (the mpich wheel's, tools/install_deps.sh): the constants, the status layout and every
// prototype are compared at compile time, so a wrong one fails the build of this test; the
// predefined handles (pointer casts in that header, never constant expressions) at run time.
#define BOOST_TEST_MODULE mpi5_abi
#include <boost/test/unit_test.hpp>
#include <cstddef>
#include <type_traits>

#include "cluster/mpi5_abi.hpp"

namespace mpi5 = at::cluster::mpi5;

// Taken before mpi_abi.h, whose macros would rewrite these names.
namespace ours {
constexpr int success = mpi5::MPI_SUCCESS, any_source = mpi5::MPI_ANY_SOURCE, any_tag = mpi5::MPI_ANY_TAG;
constexpr int funneled = mpi5::MPI_THREAD_FUNNELED, version_string = mpi5::MPI_MAX_LIBRARY_VERSION_STRING;
}  // namespace ours

#include <mpi_abi.h>

static_assert(ours::success == MPI_SUCCESS, "MPI_SUCCESS");
static_assert(ours::any_source == MPI_ANY_SOURCE, "MPI_ANY_SOURCE");
static_assert(ours::any_tag == MPI_ANY_TAG, "MPI_ANY_TAG");
static_assert(ours::funneled == MPI_THREAD_FUNNELED, "MPI_THREAD_FUNNELED");
static_assert(ours::version_string == MPI_MAX_LIBRARY_VERSION_STRING, "MPI_MAX_LIBRARY_VERSION_STRING");

static_assert(std::is_same<mpi5::MPI_Comm, ::MPI_Comm>::value, "MPI_Comm");
static_assert(std::is_same<mpi5::MPI_Datatype, ::MPI_Datatype>::value, "MPI_Datatype");
static_assert(std::is_same<mpi5::MPI_Op, ::MPI_Op>::value, "MPI_Op");
static_assert(std::is_same<mpi5::MPI_Request, ::MPI_Request>::value, "MPI_Request");

static_assert(sizeof(mpi5::MPI_Status) == sizeof(::MPI_Status), "MPI_Status size");
static_assert(offsetof(mpi5::MPI_Status, MPI_SOURCE) == offsetof(::MPI_Status, MPI_SOURCE), "MPI_SOURCE");
static_assert(offsetof(mpi5::MPI_Status, MPI_TAG) == offsetof(::MPI_Status, MPI_TAG), "MPI_TAG");
static_assert(offsetof(mpi5::MPI_Status, MPI_ERROR) == offsetof(::MPI_Status, MPI_ERROR), "MPI_ERROR");

namespace {

// A prototype of ours with our MPI_Status (the header's is an unnamed struct, a type of its own)
// replaced by the header's: then it must be the header's prototype exactly.
template <class T>
struct Theirs {
  using type = T;
};
template <>
struct Theirs<mpi5::MPI_Status*> {
  using type = ::MPI_Status*;
};
template <>
struct Theirs<const mpi5::MPI_Status*> {
  using type = const ::MPI_Status*;
};
template <class R, class... A>
struct Theirs<R (*)(A...)> {
  using type = R (*)(typename Theirs<A>::type...);
};

#define AT_SAME_PROTOTYPE(name) \
  static_assert(std::is_same<Theirs<decltype(&mpi5::MPI_##name)>::type, decltype(&::MPI_##name)>::value, "MPI_" #name);
AT_SAME_PROTOTYPE(Init_thread) AT_SAME_PROTOTYPE(Finalize) AT_SAME_PROTOTYPE(Comm_rank) AT_SAME_PROTOTYPE(Comm_size)
AT_SAME_PROTOTYPE(Get_library_version) AT_SAME_PROTOTYPE(Isend) AT_SAME_PROTOTYPE(Test) AT_SAME_PROTOTYPE(Iprobe)
AT_SAME_PROTOTYPE(Get_count) AT_SAME_PROTOTYPE(Recv) AT_SAME_PROTOTYPE(Bcast) AT_SAME_PROTOTYPE(Allreduce)
AT_SAME_PROTOTYPE(Allgather) AT_SAME_PROTOTYPE(Barrier) AT_SAME_PROTOTYPE(Ibarrier) AT_SAME_PROTOTYPE(Abort)
#undef AT_SAME_PROTOTYPE

template <class Handle>
intptr_t value(Handle h) {
  return reinterpret_cast<intptr_t>(h);
}

}  // namespace

BOOST_AUTO_TEST_CASE(predefined_handles_match_the_header) {
  namespace v = mpi5::value;
  BOOST_TEST(v::comm_world == value(MPI_COMM_WORLD));
  BOOST_TEST(v::byte == value(MPI_BYTE));
  BOOST_TEST(v::int64 == value(MPI_INT64_T));
  BOOST_TEST(v::dbl == value(MPI_DOUBLE));
  BOOST_TEST(v::sum == value(MPI_SUM));
  BOOST_TEST(v::min == value(MPI_MIN));
  BOOST_TEST(v::max == value(MPI_MAX));
  BOOST_TEST(MPI_ABI_VERSION == 1);  // the version our declarations were written from
}
