// Huge-page anonymous memory (aligned mmap + MADV_HUGEPAGE) and an arena over it.
#include "base/huge_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include "base/checked.h"
#include "base/error.h"

namespace frugal {

namespace {

uint64_t page_bytes() { return uint64_t(::sysconf(_SC_PAGESIZE)); }

}  // namespace

uint8_t* map_huge_pages(uint64_t bytes) {
  // Whole pages, plus a huge page to trim so the start is aligned (absurd sizes overflow here
  // or are refused by mmap).
  const auto pages = checked_align_up(bytes, page_bytes());
  const auto span = pages ? checked_add(*pages, kHugePageBytes) : std::nullopt;
  if (bytes == 0 || !span) return nullptr;
  bytes = *pages;
  void* p = ::mmap(nullptr, *span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const auto raw = reinterpret_cast<uint64_t>(p);
  const uint64_t start = *checked_align_up(raw, kHugePageBytes), end = start + bytes;
  if (start > raw) ::munmap(p, start - raw);
  if (raw + *span > end) ::munmap(reinterpret_cast<void*>(end), raw + *span - end);
  ::madvise(reinterpret_cast<void*>(start), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<uint8_t*>(start);
}

void unmap_pages(uint8_t* p, uint64_t bytes) {
  if (p && bytes) ::munmap(p, checked_align_up(bytes, page_bytes()).value_or(bytes));
}

HugePageBuffer::HugePageBuffer(uint64_t bytes) : data_(map_huge_pages(bytes)), size_(bytes) {
  FRUGAL_CHECK(data_ != nullptr, "cannot allocate {} bytes of anonymous memory", bytes);
}

HugePageArena::~HugePageArena() {
  for (const Chunk& c : chunks_) unmap_pages(c.data, c.bytes);
}

uint8_t* HugePageArena::allocate(uint64_t bytes) {
  const auto aligned = checked_align_up(bytes, kAlign);
  if (bytes == 0 || !aligned) return nullptr;
  const uint64_t need = *aligned;
  if (need > chunk_bytes_ / 4) {  // large: a mapping of its own, the open chunk stays open
    uint8_t* p = map_huge_pages(need);
    if (!p) return nullptr;
    chunks_.push_back({p, need});
    used_total_ += need;
    return p;
  }
  if (!current_.data || current_.bytes - used_ < need) {
    // A new chunk; the rest of the old one stays untouched (address space only).
    uint8_t* p = map_huge_pages(chunk_bytes_);
    if (!p) return nullptr;
    chunks_.push_back({p, chunk_bytes_});
    current_ = chunks_.back();
    used_ = 0;
  }
  uint8_t* out = current_.data + used_;
  used_ += need;
  used_total_ += need;
  return out;
}

}  // namespace frugal
