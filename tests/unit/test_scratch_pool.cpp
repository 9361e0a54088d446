// ScratchPool: alignment, reuse of released blocks, size classes, the cache cap, threads.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "base/scratch_pool.h"
#include "layers/context.h"

namespace frugal {
namespace {

TEST(ScratchPool, BlocksAreAlignedAndLargeEnough) {
  ScratchPool pool;
  for (size_t bytes : {size_t(1), size_t(4095), size_t(4097), size_t(100000), size_t(3) << 20}) {
    auto b = pool.acquire(bytes);
    ASSERT_NE(b.data(), nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 64, 0u);
    EXPECT_GE(b.capacity(), bytes);
    EXPECT_LE(b.capacity(), std::max<size_t>(4096, bytes + bytes / 8));
    std::memset(b.data(), 0xAB, bytes);  // the whole request is writable (ASan checks it)
  }
}

TEST(ScratchPool, ReleasedBlockIsReusedForSimilarSizes) {
  ScratchPool pool;
  void* first = nullptr;
  {
    auto b = pool.acquire(10 << 20);
    first = b.data();
  }
  EXPECT_EQ(pool.cached_bytes(), size_t(10) << 20);
  {
    auto b = pool.acquire((10 << 20) - 1000);  // same size class
    EXPECT_EQ(b.data(), first);
    EXPECT_EQ(pool.cached_bytes(), 0u);
  }
  {
    auto small = pool.acquire(1 << 20);  // far smaller: does not pin the 10 MiB block
    EXPECT_NE(small.data(), first);
    EXPECT_EQ(pool.cached_bytes(), size_t(10) << 20);
  }
}

TEST(ScratchPool, CapFreesInsteadOfCaching) {
  ScratchPool pool(1 << 20);
  { auto b = pool.acquire(2 << 20); }
  EXPECT_EQ(pool.cached_bytes(), 0u);
  { auto b = pool.acquire(512 << 10); }
  EXPECT_EQ(pool.cached_bytes(), size_t(512) << 10);
}

TEST(ScratchPool, MovedHandlesReleaseOnce) {
  ScratchPool pool;
  ScratchPool::Block a = pool.acquire(8192), b;
  void* p = a.data();
  b = std::move(a);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.data(), p);
  ScratchPool::Block c(std::move(b));
  EXPECT_EQ(pool.cached_bytes(), 0u);
  c = pool.acquire(8192);  // the old block goes back once
  EXPECT_EQ(pool.cached_bytes(), 8192u);
}

TEST(ScratchPool, ThreadsShareThePool) {
  ScratchPool pool;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&pool, t] {
      for (int i = 0; i < 200; ++i) {
        auto b = pool.acquire(size_t(4096) << (i % 5));
        static_cast<uint8_t*>(b.data())[0] = uint8_t(t);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_LE(pool.cached_bytes(), size_t(4) * (4096 + 8192 + 16384 + 32768 + 65536));
}

TEST(FloatBuffer, ComesFromTheContextPoolOrFresh) {
  ThreadPool threads(1);
  const auto k = kernels::Kernels::select(kernels::Isa::Reference);
  ScratchPool pool;
  const ForwardContext pooled{threads, k, &pool}, fresh{threads, k};
  { auto a = alloc_floats(pooled, 5000); a[4999] = 1.0f; }
  EXPECT_GE(pool.cached_bytes(), 5000 * sizeof(float));
  const size_t cached = pool.cached_bytes();
  { auto b = alloc_floats(fresh, 5000); b[0] = 2.0f; }
  EXPECT_EQ(pool.cached_bytes(), cached);
  EXPECT_THROW(alloc_floats(pooled, INT64_MAX), Error);
}

}  // namespace
}  // namespace frugal
