// Persistent thread pool: spin briefly for low-latency decode steps, then sleep on the atomic.
#include "base/thread_pool.h"

#include <algorithm>

#include "base/arch.h"

namespace frugal {

namespace {
constexpr int kSpinIterations = 20000;
}

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
  for (int t = 1; t < n_threads_; ++t) threads_.emplace_back([this, t] { worker(t); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  generation_.fetch_add(1);
  generation_.notify_all();
  for (auto& t : threads_) t.join();
}

void ThreadPool::dispatch(Thunk fn, void* ctx) {
  if (n_threads_ == 1) {
    fn(ctx, 0);
    return;
  }
  // No worker is active here (the previous job was closed and drained), so fn_/ctx_ are free.
  fn_ = fn;
  ctx_ = ctx;
  const uint64_t gen = generation_.load(std::memory_order_relaxed) + 1;
  job_.store(gen << 32, std::memory_order_release);
  generation_.store(gen, std::memory_order_release);
  generation_.notify_all();
  fn(ctx, 0);
  // Close the job: workers that have not joined yet will skip it; wait for those that did.
  uint64_t s = job_.load(std::memory_order_acquire);
  while (!job_.compare_exchange_weak(s, s | kClosed, std::memory_order_acq_rel)) {
  }
  for (int spins = 0; (job_.load(std::memory_order_acquire) & kActiveMask) != 0; ++spins) {
    if (spins < kSpinIterations) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
}

bool ThreadPool::claim_own(Part& part, int64_t grain, int64_t* b, int64_t* e) {
  uint64_t s = part.range.load(std::memory_order_relaxed);
  for (;;) {
    const uint64_t front = s & 0xffffffffu, back = s >> 32;
    if (front >= back) return false;
    // A quarter of what is left, at least `grain`: few claims (each is a locked instruction,
    // which waits for the loads in flight) and a fine tail for stealing.
    const uint64_t take = std::min<uint64_t>(std::max<uint64_t>(uint64_t(grain), (back - front) / 4), back - front);
    if (part.range.compare_exchange_weak(s, (front + take) | (back << 32), std::memory_order_relaxed)) {
      *b = int64_t(front);
      *e = int64_t(front + take);
      return true;
    }
  }
}

bool ThreadPool::steal(Part* parts, int n_parts, int64_t grain, int64_t* b, int64_t* e) {
  for (;;) {
    int best = -1;
    uint64_t most = 0, seen = 0;
    for (int p = 0; p < n_parts; ++p) {
      const uint64_t s = parts[p].range.load(std::memory_order_relaxed);
      const uint64_t front = s & 0xffffffffu, back = s >> 32;
      if (back > front && back - front > most) best = p, most = back - front, seen = s;
    }
    if (best < 0) return false;
    const uint64_t front = seen & 0xffffffffu, back = seen >> 32;
    const uint64_t take = std::min<uint64_t>(uint64_t(grain), back - front);
    if (parts[best].range.compare_exchange_strong(seen, front | ((back - take) << 32), std::memory_order_relaxed)) {
      *b = int64_t(back - take);
      *e = int64_t(back);
      return true;
    }
  }
}

bool ThreadPool::try_join(uint64_t generation) {
  uint64_t s = job_.load(std::memory_order_acquire);
  for (;;) {
    if ((s >> 32) != (generation & 0xffffffffu) || (s & kClosed)) return false;
    if (job_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) return true;
  }
}

void ThreadPool::worker(int tid) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t g = generation_.load(std::memory_order_acquire);
    for (int spins = 0; g == seen && spins < kSpinIterations; ++spins) {
      cpu_relax();
      g = generation_.load(std::memory_order_acquire);
    }
    while (g == seen) {
      generation_.wait(seen, std::memory_order_acquire);
      g = generation_.load(std::memory_order_acquire);
    }
    seen = g;
    if (stop_.load()) return;
    if (!try_join(g)) continue;
    fn_(ctx_, tid);
    job_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace frugal
