// Load-time repacking of weight matrices into the Rows16 layout.
#include "kernels/repack/repacker.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include "base/huge_pages.h"
#include "kernels/quant/formats.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

namespace {

// Drops this process's mapping of the whole pages inside [p, p + bytes) (a read-only file
// mapping: the pages are re-read from the file if anything touches them again).
void release_pages(const uint8_t* p, uint64_t bytes) {
  const uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
  const uint64_t begin = (reinterpret_cast<uint64_t>(p) + page - 1) / page * page;
  const uint64_t end = (reinterpret_cast<uint64_t>(p) + bytes) / page * page;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace

bool can_repack_rows16(const WeightMatrix& m) {
  if (m.layout != WeightLayout::Plain || !has_rows16_layout(m.type) || m.rows <= 0 || m.rows % kRows16 != 0)
    return false;
  const FormatDesc& f = format_of(m.type);
  return m.cols % f.block_elems == 0 && m.row_bytes == uint64_t(m.cols / f.block_elems) * uint64_t(f.block_bytes);
}

void repack_rows16(ThreadPool& pool, const WeightMatrix& m, int64_t count, uint64_t stride, uint8_t* dst,
                   WeightLayout layout) {
  const int64_t groups = m.rows / kRows16;
  const uint64_t group_bytes = uint64_t(kRows16) * m.row_bytes;
  pool.parallel_for(count * groups, 16, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const uint64_t off = uint64_t(i / groups) * stride + uint64_t(i % groups) * group_bytes;
      pack_rows16(m.type, layout, m.data + off, m.row_bytes, m.cols, dst + off);
    }
  });
}

void WeightRepacker::prepare(const std::string& /*name*/, WeightMatrix& m, int64_t count, uint64_t stride) {
  if (!can_repack_rows16(m) || count < 1 || stride < m.bytes() || !is_rows16(options_.layout)) return;
  if (options_.has_kernel && !options_.has_kernel(m.type)) return;
  if (auto it = done_.find(m.data); it != done_.end()) {  // bound twice: share the copy
    m.data = it->second;
    m.layout = options_.layout;
    return;
  }
  const uint64_t bytes = uint64_t(count) * stride;
  uint8_t* dst = arena_.allocate(bytes);  // nullptr: the matrix stays in the file's layout
  if (!dst) return;
  // Slices of whole matrices or ~32 MiB of groups, each original released once repacked,
  // so the peak resident memory is the repacked weights plus one slice. (If repacking throws,
  // the arena keeps the copy's memory until it is destroyed with the model.)
  const int64_t groups = m.rows / kRows16, per = std::max<int64_t>(1, int64_t((32u << 20) / (m.row_bytes * kRows16)));
  for (int64_t e = 0; e < count; ++e)
    for (int64_t g = 0; g < groups; g += per) {
      WeightMatrix part = m;
      const uint64_t off = uint64_t(e) * stride + uint64_t(g) * kRows16 * m.row_bytes;
      part.data = m.data + off;
      part.rows = std::min(per, groups - g) * kRows16;
      repack_rows16(pool_, part, 1, part.bytes(), dst + off, options_.layout);
      if (options_.release_sources) release_pages(part.data, part.bytes());
    }
  done_[m.data] = dst;
  total_ += bytes;
  ++matrices_;
  m.data = dst;
  m.layout = options_.layout;
}

}  // namespace frugal::kernels
