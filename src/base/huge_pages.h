// Anonymous memory with transparent huge pages where the kernel allows them: streaming from
// 2 MiB pages takes fewer TLB misses, and the hardware prefetchers stop at page boundaries.
// Repacked weights live in it, and the read-bandwidth test reads from it so the two compare.
#pragma once

#include <cstdint>
#include <vector>

namespace frugal {

inline constexpr uint64_t kHugePageBytes = uint64_t(2) << 20;

// `bytes` of anonymous memory starting on a 2 MiB boundary, advised for huge pages (only whole
// aligned 2 MiB ranges can get them, so an unaligned start would leave the first and last
// pages on 4 KiB ones). nullptr when the system refuses the memory (or bytes is 0 or absurd);
// release with unmap_pages(p, bytes).
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

// Bump allocator over huge-page chunks, for many long-lived buffers of a few MiB (the repacked
// weight matrices). In a mapping each, the unaligned ends of every buffer stay on 4 KiB pages
// (a third of a 1B model's layer weights); packed together they share huge pages. Memory is
// returned only when the arena is destroyed.
class HugePageArena {
 public:
  static constexpr uint64_t kAlign = 4096;
  explicit HugePageArena(uint64_t chunk_bytes = uint64_t(64) << 20) : chunk_bytes_(chunk_bytes) {}
  ~HugePageArena();
  HugePageArena(const HugePageArena&) = delete;
  HugePageArena& operator=(const HugePageArena&) = delete;

  // kAlign-aligned, or nullptr when the system refuses the memory. Allocations over a quarter
  // of a chunk get a mapping of their own (its whole 2 MiB ranges get huge pages, its tail not).
  uint8_t* allocate(uint64_t bytes);
  // Bytes handed out by allocate() (with alignment padding).
  uint64_t used_bytes() const { return used_total_; }

 private:
  struct Chunk {
    uint8_t* data;
    uint64_t bytes;
  };
  uint64_t chunk_bytes_;
  std::vector<Chunk> chunks_;  // every mapping, unmapped by the destructor
  Chunk current_{};            // the chunk small allocations are cut from
  uint64_t used_ = 0;          // bytes of current_ handed out
  uint64_t used_total_ = 0;
};

}  // namespace frugal
