# The CPU paths of the hot loops (core/isa.hpp): a source is compiled once per path, with that
# path's flags and inside namespace ALPHATENSOR_ISA_NS = isa_<path>.
#
# The namespace alone does not isolate the paths: Eigen's templates, oneTBB's and libstdc++'s
# inline functions are the same symbols in every path, emitted as COMDAT (weak, or GNU unique)
# copies, and the linker keeps ONE copy for the whole binary, possibly the AVX-512 one on the
# baseline path. So each path's object is rewritten before linking: its COMDAT groups dissolved
# (objcopy -R .group), every symbol made local except its entry points (names at::...::isa_<path>::
# entry_*), and GNU unique symbols avoided (-fno-gnu-unique) since those cannot be made local.
# Each path then calls only its own copies; tests/isa/check_isolation.sh proves it on the binary.
#
# Explicit -m flags, not -march=x86-64-v3/v4: g++ 10 (the release build) predates those names.
set(ALPHATENSOR_ISAS sse2 avx2 avx512)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(ALPHATENSOR_ISA_FLAGS_avx2 -mavx2 -mfma)
  # -Wno-maybe-uninitialized: g++ 12 warns inside its own avx512fintrin.h on Eigen's packets.
  set(ALPHATENSOR_ISA_FLAGS_avx512 -mavx2 -mfma -mavx512f -mavx512bw -mavx512dq -mavx512vl -Wno-maybe-uninitialized)
endif()

# The bf16 inference matmul of the CPU backend (nn/cpu_bf16.hpp): the AVX-512 path's flags plus
# AVX512-BF16, one object isolated as the paths are; run only when the CPU has the feature.
# With AMX where the compiler has its intrinsics (g++ >= 11; g++ 10 builds the AVX512-BF16 kernel
# alone).
if(DEFINED ALPHATENSOR_ISA_FLAGS_avx512)
  set(ALPHATENSOR_ISA_FLAGS_avx512bf16 ${ALPHATENSOR_ISA_FLAGS_avx512} -mavx512bf16)
  include(CheckCXXCompilerFlag)
  check_cxx_compiler_flag("-mamx-tile -mamx-bf16" ALPHATENSOR_HAVE_AMX_FLAGS)
  if(ALPHATENSOR_HAVE_AMX_FLAGS)
    list(APPEND ALPHATENSOR_ISA_FLAGS_avx512bf16 -mamx-tile -mamx-bf16)
  endif()
endif()

# alphatensor_isa_source(TARGET SOURCE ISA LIBS...): adds SOURCE compiled for path ISA to TARGET;
# LIBS give the object its include paths and definitions.
function(alphatensor_isa_source target source isa)
  get_filename_component(stem ${source} NAME_WE)
  set(lib ${target}_${stem}_${isa})
  add_library(${lib} OBJECT ${source})
  target_link_libraries(${lib} PRIVATE ${ARGN})
  target_compile_definitions(${lib} PRIVATE ALPHATENSOR_ISA_NS=isa_${isa})
  # -ffp-contract=off: plain loops (x += a*b) round as on the baseline path; Eigen's products use
  # FMA explicitly, where the speed is.
  target_compile_options(${lib} PRIVATE ${ALPHATENSOR_ISA_FLAGS_${isa}} -fno-gnu-unique -ffp-contract=off)
  get_target_property(pic ${target} POSITION_INDEPENDENT_CODE)
  set_target_properties(${lib} PROPERTIES POSITION_INDEPENDENT_CODE "${pic}")
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${lib}.o)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_OBJCOPY} -R .group -w "--keep-global-symbol=_ZN2at*isa_${isa}*entry_*"
            $<TARGET_OBJECTS:${lib}> ${out}
    DEPENDS ${lib} $<TARGET_OBJECTS:${lib}>
    COMMENT "Isolating the ${isa} path of ${source}" VERBATIM)
  set_source_files_properties(${out} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  target_sources(${target} PRIVATE ${out})
endfunction()

# alphatensor_isa_sources(TARGET SOURCE LIBS...): SOURCE once per path (ALPHATENSOR_ISAS).
function(alphatensor_isa_sources target source)
  foreach(isa ${ALPHATENSOR_ISAS})
    alphatensor_isa_source(${target} ${source} ${isa} ${ARGN})
  endforeach()
endfunction()
