// Rotary position embedding: frequency schedule (plain, linear, llama3 factors, YaRN) and
// per-batch cos/sin tables shared by every layer.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/ops.h"

namespace frugal {

struct YarnParams {
  float ext_factor = 0.0f;  // 0 disables YaRN mixing
  float beta_fast = 32.0f;
  float beta_slow = 1.0f;
  int64_t n_ctx_orig = 0;
  // cos/sin are multiplied by this (YaRN's magnitude correction; 1 when unused)
  float mscale = 1.0f;
};

struct RopeParams {
  int64_t n_rot = 0;  // rotated dims per head (even)
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;             // 1 / linear scaling factor
  std::vector<float> freq_factors;     // per-frequency divisors (llama3 `rope_freqs`), empty if none
  kernels::RopeMode mode = kernels::RopeMode::Interleaved;
  YarnParams yarn;
};

// cos/sin for every token of a batch: row t holds n_rot/2 values.
class RopeTables {
 public:
  RopeTables(const RopeParams& p, const std::vector<int32_t>& positions);
  const float* cos(int64_t t) const { return cos_.data() + t * half_; }
  const float* sin(int64_t t) const { return sin_.data() + t * half_; }
  // Rotates the first n_rot dims of each of n_heads head vectors (stride `head_stride`) of token t.
  void apply(int64_t t, float* x, int64_t n_heads, int64_t head_stride, kernels::RopeMode mode) const;

 private:
  int64_t half_;
  std::vector<float> cos_, sin_;
};

// Inverse frequency of pair i, including freq_factors, before any interpolation.
std::vector<float> rope_inv_freq(const RopeParams& p);

}  // namespace frugal
