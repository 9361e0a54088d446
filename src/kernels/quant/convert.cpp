// Whole-tensor conversion between weight formats.
#include "kernels/quant/convert.h"

#include <atomic>
#include <cmath>
#include <string>

#include "base/error.h"
#include "kernels/quant/formats.h"

namespace frugal::kernels {

std::vector<uint8_t> convert_rows(ThreadPool& pool, GgmlType from, const uint8_t* src, GgmlType to, int64_t rows,
                                  int64_t cols, const std::string& what) {
  const FormatDesc& fi = format_of(from);
  const FormatDesc& fo = format_of(to);
  FRUGAL_CHECK(cols % fi.block_elems == 0 && cols % fo.block_elems == 0,
               "{}: rows of {} values cannot be converted from {} to {}", what, cols, fi.name, fo.name);
  const size_t in_rb = size_t(cols / fi.block_elems * fi.block_bytes);
  const size_t out_rb = size_t(cols / fo.block_elems * fo.block_bytes);
  std::vector<uint8_t> out(out_rb * size_t(rows));
  const bool need_finite = fo.block_elems > 1;
  std::atomic<int64_t> bad_row{-1};
  pool.parallel_for(rows, 16, [&](int64_t r0, int64_t r1, int) {
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = r0; r < r1; ++r) {
      fi.dequantize(src + size_t(r) * in_rb, row.data(), cols);
      if (need_finite)
        for (float v : row)
          if (!std::isfinite(v)) bad_row.store(r);
      fo.quantize(row.data(), out.data() + size_t(r) * out_rb, cols);
    }
  });
  FRUGAL_CHECK(bad_row.load() < 0, "{}: row {} holds NaN or infinite values and cannot be quantized to {}", what,
               bad_row.load(), fo.name);
  return out;
}

GgmlType fallback_type(GgmlType wanted, int64_t cols) {
  const FormatDesc& f = format_of(wanted);
  if (cols % f.block_elems == 0) return wanted;
  GgmlType next = GgmlType::F16;
  if (wanted == GgmlType::Q4_K) next = GgmlType::Q5_0;
  if (wanted == GgmlType::Q5_K) next = GgmlType::Q5_1;
  if (wanted == GgmlType::Q6_K) next = GgmlType::Q8_0;
  if (wanted == GgmlType::Q2_K || wanted == GgmlType::Q3_K) next = GgmlType::Q4_0;
  if (wanted == GgmlType::IQ4_XS) next = GgmlType::IQ4_NL;
  return fallback_type(next, cols);
}

}  // namespace frugal::kernels
