// The kernels' WeightPreparer: repacks matrices whose format has a Rows16 layout into memory
// it owns and releases the mapped pages of the originals, so resident memory does not double.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/huge_pages.h"
#include "base/thread_pool.h"
#include "tensor/weight_preparer.h"

namespace frugal::kernels {

struct RepackOptions {
  WeightLayout layout = WeightLayout::Rows16;  // the layout to repack into (a Rows16 one)
  // prepare() drops the process's pages of each original, which must then lie in a read-only
  // file mapping (as a GgufFile's tensors do) so they can be re-read.
  bool release_sources = false;
  // Formats to repack (those the ISA has Rows16 kernels for); nullptr: every one with the layout.
  bool (*has_kernel)(GgmlType) = nullptr;
};

class WeightRepacker final : public WeightPreparer {
 public:
  // `pool` is used only while models bind their weights (inside prepare()).
  explicit WeightRepacker(ThreadPool& pool, RepackOptions options = {}) : pool_(pool), options_(options) {}
  ~WeightRepacker() override = default;
  WeightRepacker(const WeightRepacker&) = delete;
  WeightRepacker& operator=(const WeightRepacker&) = delete;

  void prepare(const std::string& name, WeightMatrix& m, int64_t count, uint64_t stride) override;

  uint64_t repacked_bytes() const { return total_; }
  int64_t repacked_matrices() const { return matrices_; }

 private:
  ThreadPool& pool_;
  RepackOptions options_;
  HugePageArena arena_;                      // every repacked copy, packed onto huge pages
  std::map<const uint8_t*, uint8_t*> done_;  // source data -> its repacked copy
  uint64_t total_ = 0;
  int64_t matrices_ = 0;
};

// Repacks `count` matrices like m (spaced `stride` bytes apart) into dst (count * stride
// bytes) in `layout` (a Rows16 one) with the pool; m must satisfy can_repack_rows16(m).
void repack_rows16(ThreadPool& pool, const WeightMatrix& m, int64_t count, uint64_t stride, uint8_t* dst,
                   WeightLayout layout);
// Whether m (Plain) can be stored as Rows16: a format with the layout, rows a multiple of 16,
// rows packed with no padding.
bool can_repack_rows16(const WeightMatrix& m);

}  // namespace frugal::kernels
