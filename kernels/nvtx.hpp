#pragma once
// NVTX ranges (nvtx3, header-only, from the CUDA toolkit) so Nsight Systems shows the phases of a
// run. Without a profiler attached a range costs a few nanoseconds; builds without CUDA or
// against the emulator compile them away.
#if defined(ALPHATENSOR_HAVE_CUDA) && !defined(ALPHATENSOR_CUDA_EMU)
#include <nvtx3/nvToolsExt.h>
#define AT_NVTX_PUSH(name) nvtxRangePushA(name)
#define AT_NVTX_POP() nvtxRangePop()
#else
#define AT_NVTX_PUSH(name) ((void)(name))
#define AT_NVTX_POP() ((void)0)
#endif

namespace at {

// Scoped range: `NvtxRange r("forward");`
class NvtxRange {
 public:
  explicit NvtxRange(const char* name) { AT_NVTX_PUSH(name); }
  ~NvtxRange() { AT_NVTX_POP(); }
  NvtxRange(const NvtxRange&) = delete;
  NvtxRange& operator=(const NvtxRange&) = delete;
};

}  // namespace at
