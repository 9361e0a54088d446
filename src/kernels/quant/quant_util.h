// Small helpers shared by the reference quantizers: rounding and fp16 scale encoding.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "base/fp16.h"

namespace frugal::kernels {

// Reads block i of type B from a byte pointer with no alignment assumption.
template <typename B>
inline B load_block(const uint8_t* src, int64_t i) {
  B b;
  std::memcpy(&b, src + i * int64_t(sizeof(B)), sizeof(B));
  return b;
}
template <typename B>
inline void store_block(uint8_t* dst, int64_t i, const B& b) {
  std::memcpy(dst + i * int64_t(sizeof(B)), &b, sizeof(B));
}

// Round half away from zero, clamped to [lo, hi].
inline int round_clamp(float v, int lo, int hi) {
  const float r = std::round(v);
  if (!(r >= float(lo))) return lo;  // also maps NaN to lo
  if (r > float(hi)) return hi;
  return int(r);
}

// The smallest fp16 value >= v (v >= 0, finite), saturating at the largest finite half.
inline uint16_t fp16_round_up(float v) {
  uint16_t h = float_to_fp16(v);
  if (h >= 0x7bff) return 0x7bff;
  if (fp16_to_float(h) < v) ++h;
  return h;
}

// Signed scales of 16 sub-blocks of 16 values (Q6_K, Q3_K): the value of largest magnitude of
// sub-block j maps to code -half, i.e. its step is max / -half; d (the fp16 returned) is the
// largest |step| / smax rounded up, and sc[j] = the step in units of d, its magnitude rounded up
// (<= smax), so only a value opposite the extreme can clamp, by at most one step.
inline uint16_t signed_sub_scales(const float* x, float half, float smax, int* sc) {
  float step[16], max_abs = 0;
  for (int j = 0; j < 16; ++j) {
    float mx = 0;
    for (int l = 0; l < 16; ++l)
      if (std::fabs(x[16 * j + l]) > std::fabs(mx)) mx = x[16 * j + l];
    step[j] = mx / -half;
    max_abs = std::max(max_abs, std::fabs(step[j]));
  }
  const uint16_t dh = fp16_round_up(max_abs / smax);
  const float d = fp16_to_float(dh);
  for (int j = 0; j < 16; ++j) {
    const float mag = d > 0 ? std::min(smax, std::ceil(std::fabs(step[j]) / d)) : 0.0f;
    sc[j] = int(step[j] < 0 ? -mag : mag);
  }
  return dh;
}

}  // namespace frugal::kernels
