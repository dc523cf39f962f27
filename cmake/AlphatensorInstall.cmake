# cmake --install build --prefix P:
#   P/bin/alphatensor, P/lib/libalphatensor{,_core,_improve,_mcts,_nn}.a, P/lib/libalphatensor_c.so,
#   P/include/alphatensor/{alphatensor.hpp,alphatensor.h,version.h} (the public headers only),
#   P/lib/cmake/alphatensor/ (alphatensorConfig.cmake, its version file, the exported targets).
# Nothing installed names a path of the build machine: oneTBB is found again on the user's side.
include(CMakePackageConfigHelpers)
set(ALPHATENSOR_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/alphatensor)

install(TARGETS alphatensor RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The package refers to oneTBB as an installed package; a oneTBB built in-tree
# (ALPHATENSOR_TBB_SOURCE) is none, so such a build installs the binary only.
get_target_property(ALPHATENSOR_TBB_IMPORTED TBB::tbb IMPORTED)
if(NOT ALPHATENSOR_TBB_IMPORTED)
  message(STATUS "oneTBB built in-tree: cmake --install installs the binary only, no library package")
  return()
endif()
# alphatensor_core, _improve, _mcts and _nn are exported because libalphatensor.a needs them at link
# time; users name only alphatensor::alphatensor (or alphatensor::alphatensor_c).
install(TARGETS alphatensor_api alphatensor_mcts alphatensor_nn alphatensor_improve alphatensor_core alphatensor_c
        EXPORT alphatensorTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${CMAKE_SOURCE_DIR}/api/include/alphatensor/alphatensor.hpp
              ${CMAKE_SOURCE_DIR}/api/include/alphatensor/alphatensor.h
              ${CMAKE_BINARY_DIR}/generated/include/alphatensor/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/alphatensor)
install(EXPORT alphatensorTargets NAMESPACE alphatensor:: DESTINATION ${ALPHATENSOR_CMAKE_DIR})

configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/alphatensorConfig.cmake.in
  ${CMAKE_BINARY_DIR}/generated/alphatensorConfig.cmake INSTALL_DESTINATION ${ALPHATENSOR_CMAKE_DIR})
# 0.x: a minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/generated/alphatensorConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/generated/alphatensorConfig.cmake
              ${CMAKE_BINARY_DIR}/generated/alphatensorConfigVersion.cmake
        DESTINATION ${ALPHATENSOR_CMAKE_DIR})
