// Views of weight tensors as the kernels consume them (2-D matrices, stacks of expert matrices).
#pragma once

#include <cstdint>

#include "io/tensor_types.h"

namespace frugal {

// How a matrix's bytes are arranged. Plain: GGUF order, row r at data + r * row_bytes.
// Rows16: the kernels' repacked layout (kernels/repack/rows16.h): rows in groups of 16, each
// group 16 * row_bytes bytes with the 16 rows' blocks interleaved; same total size as Plain. A
// row slice of a Rows16 matrix (data advanced by r * row_bytes) must start at a multiple of 16
// rows and span a multiple of 16 rows. Rows16Avx2: the same, except that Q5_K's and Q6_K's
// codes are packed whole into bytes, several codes' spare bits holding one more (fewer
// instructions for the AVX2 kernels to decode; AVX-512 reads Rows16).
enum class WeightLayout : uint8_t { Plain, Rows16, Rows16Avx2 };
constexpr int64_t kRows16 = 16;
// Whether l is one of the 16-row group layouts.
constexpr bool is_rows16(WeightLayout l) { return l != WeightLayout::Plain; }

// A 2-D weight view: `rows` rows of `cols` values in `type` format; row r occupies
// row_bytes bytes at data + r * row_bytes (Plain) or inside its group (Rows16, Rows16Avx2).
// (GGUF ne[0] == cols, ne[1] == rows.)
struct WeightMatrix {
  GgmlType type = GgmlType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  const uint8_t* data = nullptr;
  uint64_t row_bytes = 0;
  WeightLayout layout = WeightLayout::Plain;

  uint64_t bytes() const { return uint64_t(rows) * row_bytes; }
};

// What running some weights once costs: bytes read and multiply-adds per token (parameters).
struct WeightUse {
  uint64_t bytes = 0;
  uint64_t params = 0;
  WeightUse& operator+=(const WeightUse& o) {
    bytes += o.bytes;
    params += o.params;
    return *this;
  }
  friend WeightUse operator+(WeightUse a, const WeightUse& b) { return a += b; }
  friend WeightUse operator*(WeightUse a, uint64_t n) { return {a.bytes * n, a.params * n}; }
};
inline WeightUse use_of(const WeightMatrix& m) { return {m.bytes(), uint64_t(m.rows) * uint64_t(m.cols)}; }

// n_expert matrices of identical shape stored back to back (GGUF ne = {cols, rows, n_expert}).
struct ExpertMatrices {
  WeightMatrix first;  // expert 0
  int64_t n_expert = 0;
  uint64_t expert_stride = 0;  // bytes between consecutive experts

  WeightMatrix expert(int64_t e) const {
    WeightMatrix m = first;
    m.data = first.data + uint64_t(e) * expert_stride;
    return m;
  }
};

}  // namespace frugal
