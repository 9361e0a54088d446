// Anonymous memory with transparent huge pages where the kernel allows them: streaming from
// 2 MiB pages takes fewer TLB misses, and the hardware prefetchers stop at page boundaries.
// Repacked weights live in it, and the read-bandwidth test reads from it so the two compare.
#pragma once

#include <cstdint>

namespace frugal {

// nullptr when the system refuses the memory; release with unmap_pages(p, bytes).
uint8_t* map_huge_pages(uint64_t bytes);
void unmap_pages(uint8_t* p, uint64_t bytes);

// Owning form; throws Error when the memory is refused.
class HugePageBuffer {
 public:
  explicit HugePageBuffer(uint64_t bytes);
  ~HugePageBuffer() { unmap_pages(data_, size_); }
  HugePageBuffer(const HugePageBuffer&) = delete;
  HugePageBuffer& operator=(const HugePageBuffer&) = delete;

  uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  uint8_t* data_;
  uint64_t size_;
};

}  // namespace frugal
