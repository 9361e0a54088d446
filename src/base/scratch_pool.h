// Reusable scratch memory for activations. A forward pass allocates the same large buffers
// (tens of MB for a prompt) every time; taken fresh from the allocator they are new pages that
// the kernel faults in and zeroes on every pass (a fifth of a DeepSeek-V2-Lite prompt's time
// on 2 cores). The pool keeps released blocks and hands them out again. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace frugal {

class ScratchPool {
 public:
  // Blocks released while the pool already caches max_cached_bytes are freed instead.
  explicit ScratchPool(size_t max_cached_bytes = size_t(2) << 30) : max_cached_(max_cached_bytes) {}
  ~ScratchPool();
  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;

  // A 64-byte-aligned block of at least `bytes` bytes (uninitialised), owned by the handle:
  // it goes back to its pool (or is freed, without one) when the handle is destroyed.
  class Block {
   public:
    Block() = default;
    Block(Block&& o) noexcept : pool_(o.pool_), data_(o.data_), capacity_(o.capacity_) { o.data_ = nullptr; }
    Block& operator=(Block&& o) noexcept;
    ~Block() { reset(); }
    void* data() const { return data_; }
    size_t capacity() const { return capacity_; }

   private:
    friend class ScratchPool;
    Block(ScratchPool* pool, void* data, size_t capacity) : pool_(pool), data_(data), capacity_(capacity) {}
    void reset();
    ScratchPool* pool_ = nullptr;
    void* data_ = nullptr;
    size_t capacity_ = 0;
  };

  Block acquire(size_t bytes);
  // A block that is freed on release (no pool).
  static Block allocate(size_t bytes);
  size_t cached_bytes() const;

 private:
  void release(void* data, size_t capacity);
  static size_t size_class(size_t bytes);

  mutable std::mutex mu_;
  std::multimap<size_t, void*> free_;  // capacity -> block
  size_t cached_ = 0;
  size_t max_cached_;
};

}  // namespace frugal
