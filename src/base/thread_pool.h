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

  // Streams [0, n) as size() contiguous parts, part p = [bound(p), bound(p + 1)) with
  // bound(0) = 0 and bound(size()) = n: thread p works through its own part front to back in
  // chunks of a quarter of what is left (at least `grain`), so each thread reads one contiguous
  // range (the memory prefetchers follow it); a thread whose part is done takes `grain` chunks
  // from the back of the part with the most left, so a thread that wakes late or runs slow does
  // not hold the region up.
  template <typename B, typename F>
  void parallel_parts(int64_t n, int64_t grain, B&& bound, F&& f) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    const int nt = n_threads_;
    if (nt == 1 || n <= grain || nt > kMaxParts || n >= (int64_t(1) << 31)) {
      parallel_for(n, grain, f);
      return;
    }
    Part parts[kMaxParts];
    for (int p = 0; p < nt; ++p) {
      const uint64_t b = uint64_t(bound(p)), e = uint64_t(bound(p + 1));
      parts[p].range.store(b | (e << 32), std::memory_order_relaxed);
    }
    run([&](int tid) {
      for (int64_t b, e; claim_own(parts[tid], grain, &b, &e);) f(b, e, tid);
      for (int64_t b, e; steal(parts, nt, grain, &b, &e);) f(b, e, tid);
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
  static constexpr int kMaxParts = 64;
  // A part's unclaimed items [front, back): front in bits 31..0, back in bits 63..32.
  struct alignas(64) Part {
    std::atomic<uint64_t> range;
  };
  static bool claim_own(Part& part, int64_t grain, int64_t* b, int64_t* e);
  static bool steal(Part* parts, int n_parts, int64_t grain, int64_t* b, int64_t* e);

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
