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

TEST(ThreadPool, PartsCoverEachIndexOnce) {
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 7, 64, 1000}) {
      // Uneven parts, some empty: part p ends at n (p / threads)^2.
      const auto bound = [&](int p) { return n * p * p / (int64_t(threads) * threads); };
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      pool.parallel_parts(n, 3, bound, [&](int64_t b, int64_t e, int tid) {
        EXPECT_GE(tid, 0);
        EXPECT_LT(tid, threads);
        EXPECT_LT(b, e);
        for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;
      });
      for (auto& h : hits) EXPECT_EQ(h.load(), 1);
    }
  }
}

TEST(ThreadPool, PartsOwnersStartAtTheirFrontAndIdleThreadsSteal) {
  // Thread 0's part is slow: the other thread finishes its own part, then takes chunks from the
  // back of thread 0's part. Each owner's first chunk starts at its part's front.
  ThreadPool pool(2);
  std::vector<std::atomic<int>> by(64);
  std::atomic<int64_t> first_of[2] = {-1, -1};
  std::atomic<bool> slow_chunk_done{false}, woke_in_time{false};
  pool.parallel_parts(64, 1, [](int p) { return int64_t(32 * p); }, [&](int64_t b, int64_t e, int tid) {
    int64_t none = -1;
    if (first_of[tid].compare_exchange_strong(none, b) && tid == 1) woke_in_time = !slow_chunk_done.load();
    for (int64_t i = b; i < e; ++i) by[size_t(i)] = tid + 1;
    if (b < 32) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (tid == 0) slow_chunk_done = true;
  });
  EXPECT_EQ(first_of[0].load(), 0);
  if (woke_in_time) {  // the worker joined during the first slow chunk (it normally does within microseconds)
    EXPECT_EQ(first_of[1].load(), 32);
    EXPECT_EQ(by[40].load(), 2);  // its own part
    EXPECT_EQ(by[31].load(), 2);  // stolen from the back of the slow part
  }
  for (auto& b : by) EXPECT_NE(b.load(), 0);
}

}  // namespace
}  // namespace frugal
