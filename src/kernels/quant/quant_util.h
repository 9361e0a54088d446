// Small helpers shared by the reference quantizers: rounding and fp16 scale encoding.
#pragma once

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

}  // namespace frugal::kernels
