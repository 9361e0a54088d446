// Huge-page memory: alignment, and the arena's packing of many buffers onto shared chunks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "base/huge_pages.h"

namespace frugal {
namespace {

uint64_t addr(const uint8_t* p) { return reinterpret_cast<uint64_t>(p); }

TEST(HugePages, MappingStartsOnAHugePageBoundary) {
  for (uint64_t bytes : {uint64_t(1), uint64_t(4096), uint64_t(3) << 20, (uint64_t(5) << 20) + 123}) {
    uint8_t* p = map_huge_pages(bytes);
    ASSERT_NE(p, nullptr) << bytes;
    EXPECT_EQ(addr(p) % kHugePageBytes, 0u) << bytes;
    std::memset(p, 0x5a, bytes);  // all of it is writable
    EXPECT_EQ(p[bytes - 1], 0x5a);
    unmap_pages(p, bytes);
  }
  EXPECT_EQ(map_huge_pages(0), nullptr);
  EXPECT_EQ(map_huge_pages(~uint64_t(0)), nullptr);
}

TEST(HugePages, ArenaPacksSmallBuffersAndMapsLargeOnesApart) {
  HugePageArena arena(uint64_t(8) << 20);
  std::vector<std::pair<uint8_t*, uint64_t>> got;
  const uint64_t sizes[] = {100, 5000, 1u << 20, 2u << 20, 3u << 20, 2u << 20, 12u << 20, 4096, 1u << 20};
  for (uint64_t n : sizes) {
    uint8_t* p = arena.allocate(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_EQ(addr(p) % HugePageArena::kAlign, 0u) << n;
    std::memset(p, int(got.size() + 1), n);
    got.emplace_back(p, n);
  }
  // No two buffers overlap, and each still holds what was written to it.
  for (size_t i = 0; i < got.size(); ++i) {
    const auto [p, n] = got[i];
    EXPECT_TRUE(std::all_of(p, p + n, [&](uint8_t b) { return b == uint8_t(i + 1); })) << i;
    for (size_t j = i + 1; j < got.size(); ++j) {
      const auto [q, m] = got[j];
      EXPECT_TRUE(addr(p) + n <= addr(q) || addr(q) + m <= addr(p)) << i << " overlaps " << j;
    }
  }
  // Small buffers (up to a quarter chunk) are cut in order from one chunk that starts on a huge
  // page; 3 MiB and 12 MiB get mappings of their own, and the chunk stays open past them.
  EXPECT_EQ(addr(got[0].first) % kHugePageBytes, 0u);
  EXPECT_EQ(got[1].first, got[0].first + 4096);
  EXPECT_EQ(got[2].first, got[1].first + 8192);
  EXPECT_EQ(got[3].first, got[2].first + (1u << 20));
  EXPECT_EQ(addr(got[4].first) % kHugePageBytes, 0u);
  EXPECT_EQ(got[5].first, got[3].first + (2u << 20));
  EXPECT_EQ(addr(got[6].first) % kHugePageBytes, 0u);
  EXPECT_EQ(got[7].first, got[5].first + (2u << 20));
  EXPECT_EQ(got[8].first, got[7].first + 4096);
  uint64_t total = 0;
  for (const auto& [p, n] : got)
    total += (n + HugePageArena::kAlign - 1) / HugePageArena::kAlign * HugePageArena::kAlign;
  EXPECT_EQ(arena.used_bytes(), total);
  EXPECT_EQ(arena.allocate(0), nullptr);
}

TEST(HugePages, ArenaOpensANewChunkWhenTheOpenOneIsFull) {
  HugePageArena arena(uint64_t(4) << 20);
  uint8_t* a = arena.allocate(1u << 20);
  uint8_t* b = arena.allocate(1u << 20);
  uint8_t* c = arena.allocate(1u << 20);
  uint8_t* d = arena.allocate(1u << 20);
  uint8_t* e = arena.allocate(1u << 20);  // the first chunk is full: a new one
  ASSERT_TRUE(a && b && c && d && e);
  EXPECT_EQ(b, a + (1u << 20));
  EXPECT_EQ(d, a + (3u << 20));
  EXPECT_EQ(addr(e) % kHugePageBytes, 0u);
  EXPECT_TRUE(addr(e) >= addr(a) + (4u << 20) || addr(e) + (1u << 20) <= addr(a));
}

}  // namespace
}  // namespace frugal
