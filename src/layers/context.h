// What every layer needs to run: the thread pool, the selected kernels, scratch allocation.
#pragma once

#include <cstdint>
#include <memory>

#include "base/thread_pool.h"
#include "kernels/matmul.h"

namespace frugal {

struct ForwardContext {
  ThreadPool& pool;
  const kernels::Kernels& kernels;
};

// Uninitialised float buffer (activations are always written before they are read).
using FloatBuffer = std::unique_ptr<float[]>;
inline FloatBuffer alloc_floats(int64_t n) { return std::make_unique_for_overwrite<float[]>(size_t(n)); }

}  // namespace frugal
