// Hook through which the kernels may rewrite weight matrices while a model binds them
// (e.g. repack them into the layout their GEMM micro-kernels stream).
#pragma once

#include <cstdint>
#include <string>

#include "tensor/matrix.h"

namespace frugal {

class WeightPreparer {
 public:
  virtual ~WeightPreparer() = default;
  // Called by WeightBinder for every matrix it binds: `m` is matrix 0 of `count` matrices of
  // identical shape spaced `stride` bytes apart (count 1 for a 2-D tensor, n_expert for an
  // expert stack). The preparer may point m.data at memory it owns (keeping the stride and
  // row_bytes) and change m.layout; that memory lives as long as the preparer.
  virtual void prepare(const std::string& name, WeightMatrix& m, int64_t count, uint64_t stride) = 0;
};

}  // namespace frugal
