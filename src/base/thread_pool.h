// Persistent thread pool: workers are created once and woken per parallel region.
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

  // Runs f(tid) once on every thread (tid 0 is the caller) and returns when all are done.
  template <typename F>
  void run_on_all(F&& f) {
    auto thunk = [](void* ctx, int tid) { (*static_cast<F*>(ctx))(tid); };
    dispatch(thunk, &f);
  }

  // Calls f(begin, end, tid) over chunks of [0, n) of about `grain` items, handed out
  // dynamically so uneven chunks (e.g. experts with different token counts) balance.
  template <typename F>
  void parallel_for(int64_t n, int64_t grain, F&& f) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    if (n_threads_ == 1 || n <= grain) {
      f(int64_t(0), n, 0);
      return;
    }
    std::atomic<int64_t> next{0};
    run_on_all([&](int tid) {
      for (;;) {
        const int64_t b = next.fetch_add(grain, std::memory_order_relaxed);
        if (b >= n) break;
        f(b, b + grain < n ? b + grain : n, tid);
      }
    });
  }

  // Static split of [0, n) into size() contiguous ranges, one per thread.
  template <typename F>
  void parallel_static(int64_t n, F&& f) {
    if (n <= 0) return;
    const int nt = n_threads_;
    run_on_all([&](int tid) {
      const int64_t b = n * tid / nt, e = n * (tid + 1) / nt;
      if (b < e) f(b, e, tid);
    });
  }

 private:
  using Thunk = void (*)(void*, int);
  void dispatch(Thunk fn, void* ctx);
  void worker(int tid);

  int n_threads_;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  Thunk fn_ = nullptr;
  void* ctx_ = nullptr;
};

}  // namespace frugal
