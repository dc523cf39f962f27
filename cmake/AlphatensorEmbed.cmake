# build_info.cpp: version, git commit and build options; data/*.json compiled in as strings.
# ALPHATENSOR_GIT may be given: tools/release.sh builds in a root without git.
if(NOT ALPHATENSOR_GIT)
  execute_process(COMMAND git rev-parse --short HEAD WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE ALPHATENSOR_GIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
if(NOT ALPHATENSOR_GIT)
  set(ALPHATENSOR_GIT "unknown")
endif()
file(READ ${CMAKE_SOURCE_DIR}/data/best_known_ranks.json ALPHATENSOR_RECORDS_JSON)
configure_file(${CMAKE_SOURCE_DIR}/cmake/build_info.cpp.in ${CMAKE_BINARY_DIR}/generated/build_info.cpp @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/data/best_known_ranks.json)
