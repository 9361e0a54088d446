// Huge-page anonymous memory (mmap + MADV_HUGEPAGE).
#include "base/huge_pages.h"

#include <sys/mman.h>

#include "base/error.h"

namespace frugal {

uint8_t* map_huge_pages(uint64_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  ::madvise(p, bytes, MADV_HUGEPAGE);
  return static_cast<uint8_t*>(p);
}

void unmap_pages(uint8_t* p, uint64_t bytes) {
  if (p) ::munmap(p, bytes);
}

HugePageBuffer::HugePageBuffer(uint64_t bytes) : data_(map_huge_pages(bytes)), size_(bytes) {
  FRUGAL_CHECK(data_ != nullptr, "cannot allocate {} bytes of anonymous memory", bytes);
}

}  // namespace frugal
