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

# data_schemes.cpp: the JSON schemes of data/schemes/ (the campaign's optional seeds), so the
# binary needs no data folder.
file(GLOB ALPHATENSOR_DATA_SCHEME_FILES ${CMAKE_SOURCE_DIR}/data/schemes/*.json)
list(SORT ALPHATENSOR_DATA_SCHEME_FILES)
set(ALPHATENSOR_DATA_SCHEMES "")
foreach(f ${ALPHATENSOR_DATA_SCHEME_FILES})
  get_filename_component(name ${f} NAME)
  file(READ ${f} content)
  string(APPEND ALPHATENSOR_DATA_SCHEMES "      {\"${name}\", R\"ALPHATENSOR_JSON(${content})ALPHATENSOR_JSON\"},\n")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${f})
endforeach()
configure_file(${CMAKE_SOURCE_DIR}/cmake/data_schemes.cpp.in ${CMAKE_BINARY_DIR}/generated/data_schemes.cpp @ONLY)
