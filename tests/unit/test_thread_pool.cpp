// ThreadPool: every index visited exactly once, repeated dispatches, uneven work.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "base/thread_pool.h"

namespace frugal {
namespace {

TEST(ThreadPool, ParallelForCoversEachIndexOnce) {
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 7, 64, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      pool.parallel_for(n, 3, [&](int64_t b, int64_t e, int tid) {
        EXPECT_GE(tid, 0);
        EXPECT_LT(tid, threads);
        for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;
      });
      for (auto& h : hits) EXPECT_EQ(h.load(), 1);
    }
  }
}

TEST(ThreadPool, StaticSplitAndManyDispatches) {
  ThreadPool pool(3);
  std::atomic<int64_t> sum{0};
  for (int rep = 0; rep < 2000; ++rep)
    pool.parallel_static(100, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) sum += i;
    });
  EXPECT_EQ(sum.load(), 2000 * 4950);
}

TEST(ThreadPool, SecondThreadTakesWorkWhenAwake) {
  // With long enough work, a worker wakes and takes part: both thread ids are seen.
  ThreadPool pool(2);
  std::vector<std::atomic<int>> seen(2);
  pool.parallel_for(64, 1, [&](int64_t, int64_t, int tid) {
    seen[size_t(tid)]++;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  });
  EXPECT_GT(seen[0].load(), 0);
  EXPECT_GT(seen[1].load(), 0);
}

TEST(ThreadPool, PerThreadIdsAreExclusive) {
  // Per-thread scratch indexed by tid must never be used by two threads at once.
  ThreadPool pool(3);
  std::vector<std::atomic<int>> busy(3);
  std::atomic<int> clashes{0};
  for (int rep = 0; rep < 200; ++rep)
    pool.parallel_for(300, 1, [&](int64_t, int64_t, int tid) {
      if (busy[size_t(tid)].fetch_add(1) != 0) clashes++;
      busy[size_t(tid)].fetch_sub(1);
    });
  EXPECT_EQ(clashes.load(), 0);
}

}  // namespace
}  // namespace frugal
