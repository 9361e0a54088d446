#include "base/scratch_pool.h"

#include <new>

#include "base/error.h"

namespace frugal {

namespace {
constexpr std::align_val_t kAlign{64};
void* allocate_raw(size_t bytes) { return ::operator new(bytes, kAlign); }
void free_raw(void* p) { ::operator delete(p, kAlign); }
}  // namespace

ScratchPool::~ScratchPool() {
  for (auto& [cap, p] : free_) free_raw(p);
}

ScratchPool::Block& ScratchPool::Block::operator=(Block&& o) noexcept {
  if (this != &o) {
    reset();
    pool_ = o.pool_, data_ = o.data_, capacity_ = o.capacity_;
    o.data_ = nullptr;
  }
  return *this;
}

void ScratchPool::Block::reset() {
  if (!data_) return;
  if (pool_)
    pool_->release(data_, capacity_);
  else
    free_raw(data_);
  data_ = nullptr;
}

// Sizes rounded up to 1/8 steps between powers of two (at least 4 KiB): blocks of nearby
// sizes (prompts of different lengths) are interchangeable, at most 12.5% over.
size_t ScratchPool::size_class(size_t bytes) {
  size_t b = bytes < 4096 ? 4096 : bytes;
  const int top = 63 - __builtin_clzll(uint64_t(b));
  const size_t step = size_t(1) << (top >= 3 ? top - 3 : 0);
  FRUGAL_CHECK(b <= SIZE_MAX - step, "scratch request of {} bytes is too large", bytes);
  return (b + step - 1) / step * step;
}

ScratchPool::Block ScratchPool::acquire(size_t bytes) {
  const size_t cap = size_class(bytes);
  {
    std::lock_guard lock(mu_);
    // The smallest cached block that fits, unless it is more than twice the request.
    auto it = free_.lower_bound(cap);
    if (it != free_.end() && it->first / 2 <= cap) {
      Block b(this, it->second, it->first);
      cached_ -= it->first;
      free_.erase(it);
      return b;
    }
  }
  return Block(this, allocate_raw(cap), cap);
}

ScratchPool::Block ScratchPool::allocate(size_t bytes) {
  const size_t cap = size_class(bytes);
  return Block(nullptr, allocate_raw(cap), cap);
}

void ScratchPool::release(void* data, size_t capacity) {
  {
    std::lock_guard lock(mu_);
    if (cached_ + capacity <= max_cached_) {
      free_.emplace(capacity, data);
      cached_ += capacity;
      return;
    }
  }
  free_raw(data);
}

size_t ScratchPool::cached_bytes() const {
  std::lock_guard lock(mu_);
  return cached_;
}

}  // namespace frugal
