// The facade's improve (placeholder until improve::run lands on main).
#include "api/internal.hpp"

namespace alphatensor {

ImproveResult improve(const Scheme& start, const ImproveOptions& options, const ImproveCallbacks& callbacks,
                      const CancelToken& cancel) {
  throw Error(Status::Runtime, "improve: not yet");
}

}  // namespace alphatensor
