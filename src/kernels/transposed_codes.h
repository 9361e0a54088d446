// y = W^T x for a small block-quantized matrix, kept transposed as its int8 codes (the
// absorbed key projection of multi-head latent attention: q_latent = W_UK^T q_nope per head).
// A float copy of W^T would read 4 bytes per weight on every decoded token; the codes read 1
// (plus a scale and a bias per group of values) and keep the format's exact values:
// W[r][c] = scale[c / G][r] * code[c][r] + bias[c / G][r].
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "kernels/matmul.h"

namespace frugal::kernels {

class TransposedCodes {
 public:
  // Rows [r0, r0 + n_rows) of w (either layout); nullopt when w's format has no codes (floats).
  static std::optional<TransposedCodes> make(const WeightMatrix& w, int64_t r0, int64_t n_rows);

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  uint64_t bytes() const { return codes_.size() + (scale_.size() + bias_.size()) * sizeof(float); }

  // y[c] = sum_r W[r0 + r][c] * x[r] for c < cols() (x: rows() floats). Reference and Scalar
  // accumulate in double; the SIMD ISAs in float.
  void apply(Isa isa, const float* x, float* y) const;

 private:
  TransposedCodes() = default;
  int64_t rows_ = 0, cols_ = 0, group_ = 0;
  bool has_bias_ = false;  // Q8_0, Q6_K, Q4_0, Q5_0: every bias is 0
  std::vector<int8_t> codes_;        // [cols][rows]
  std::vector<float> scale_, bias_;  // [cols / group][rows]
};

// y[c] = b + sum_r codes[c * rows + r] * xs[r] for c < n_cols (rows: a multiple of 16 / 8).
void codes_dot_avx512(const int8_t* codes, int64_t rows, const float* xs, float b, float* y, int64_t n_cols);
void codes_dot_avx2(const int8_t* codes, int64_t rows, const float* xs, float b, float* y, int64_t n_cols);

}  // namespace frugal::kernels
