// Persistent thread pool: workers are created once and woken per parallel region.
//
// Work is always handed out through a shared counter, and a region ends as soon as all of its
// work is done: the caller never waits for a worker that has not woken up yet (on a loaded
// machine a descheduled worker would otherwise cost a scheduler time slice per region).
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace frugal {

class ThreadPool {
 public:
  // n_threads counts the calling thread: ThreadPool(1) runs everything inline.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls f(begin, end, tid) over chunks of [0, n) of about `grain` items, handed out
  // dynamically so uneven chunks (e.g. experts with different token counts) balance.
  // tid < size() identifies the calling thread (for per-thread scratch buffers).
  template <typename F>
  void parallel_for(int64_t n, int64_t grain, F&& f) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    if (n_threads_ == 1 || n <= grain) {
      f(int64_t(0), n, 0);
      return;
    }
    std::atomic<int64_t> next{0};
    run([&](int tid) {
      for (;;) {
        const int64_t b = next.fetch_add(grain, std::memory_order_relaxed);
        if (b >= n) break;
        f(b, b + grain < n ? b + grain : n, tid);
      }
    });
  }

  // [0, n) in size() contiguous parts of equal size; each part goes to whichever thread
  // claims it first.
  template <typename F>
  void parallel_static(int64_t n, F&& f) {
    if (n <= 0) return;
    const int nt = n_threads_;
    std::atomic<int> next{0};
    run([&](int tid) {
      for (int p; (p = next.fetch_add(1, std::memory_order_relaxed)) < nt;) {
        const int64_t b = n * p / nt, e = n * (p + 1) / nt;
        if (b < e) f(b, e, tid);
      }
    });
  }

 private:
  using Thunk = void (*)(void*, int);
  template <typename F>
  void run(F&& f) {
    auto thunk = [](void* ctx, int tid) { (*static_cast<F*>(ctx))(tid); };
    dispatch(thunk, &f);
  }
  // Runs fn on the caller and on every worker that joins before the caller's share is done.
  void dispatch(Thunk fn, void* ctx);
  void worker(int tid);
  bool try_join(uint64_t generation);

  // job_: bits 63..32 the job's sequence number, bit 31 "closed", bits 30..0 active workers.
  static constexpr uint64_t kClosed = uint64_t(1) << 31;
  static constexpr uint64_t kActiveMask = kClosed - 1;

  int n_threads_;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> job_{0};
  std::atomic<bool> stop_{false};
  Thunk fn_ = nullptr;
  void* ctx_ = nullptr;
};

}  // namespace frugal
