// What every layer needs to run: the thread pool, the selected kernels, scratch allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "base/checked.h"
#include "base/error.h"
#include "base/scratch_pool.h"
#include "base/thread_pool.h"
#include "kernels/matmul.h"

namespace frugal {

struct ForwardContext {
  ThreadPool& pool;
  const kernels::Kernels& kernels;
  ScratchPool* scratch = nullptr;  // where activation buffers come from (nullptr: fresh each time)
};

// An uninitialised float buffer (activations are always written before they are read).
class FloatBuffer {
 public:
  FloatBuffer() = default;
  explicit FloatBuffer(ScratchPool::Block b) : block_(std::move(b)) {}
  float* get() const { return static_cast<float*>(block_.data()); }
  float& operator[](size_t i) const { return get()[i]; }

 private:
  ScratchPool::Block block_;
};

// n floats from the context's scratch pool (reused across forward passes) or fresh.
inline FloatBuffer alloc_floats(const ForwardContext& ctx, int64_t n) {
  const auto bytes = checked_mul(uint64_t(n < 0 ? 0 : n), sizeof(float));
  FRUGAL_CHECK(bytes && *bytes <= SIZE_MAX, "activation buffer of {} floats is too large", n);
  return FloatBuffer(ctx.scratch ? ctx.scratch->acquire(size_t(*bytes)) : ScratchPool::allocate(size_t(*bytes)));
}

}  // namespace frugal
