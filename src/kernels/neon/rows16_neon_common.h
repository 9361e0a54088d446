// Helpers for the NEON Rows16 micro-kernels (include only from src/kernels/neon/). A Rows16
// group's 64-byte vector is four NEON registers, register v holding 4 bytes of each of rows
// 4v .. 4v + 3; SDOT by lane multiplies them by 4 bytes of one token's activations, so every
// register of codes feeds one dot instruction per token with no broadcast.
#pragma once

#include <arm_neon.h>

#include <cstdint>
#include <utility>

#include "kernels/kernel_table.h"

namespace frugal::kernels {
namespace {

// acc + per-lane sums of 4 products: the 4 codes of each row in w times bytes 4 l .. 4 l + 3
// of x (l a constant once the caller's loops are unrolled).
inline int32x4_t sdot_lane(int32x4_t acc, int8x16_t w, int8x16_t x, int l) {
  switch (l & 3) {
    case 0: return vdotq_laneq_s32(acc, w, x, 0);
    case 1: return vdotq_laneq_s32(acc, w, x, 1);
    case 2: return vdotq_laneq_s32(acc, w, x, 2);
    default: return vdotq_laneq_s32(acc, w, x, 3);
  }
}
inline int8x16_t as_s8(uint8x16_t v) { return vreinterpretq_s8_u8(v); }
// The fp16 values of rows 4v .. 4v + 3 from a group's 16 side by side at p.
inline float32x4_t load_fp16x4(const uint8_t* p, int v) {
  return vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(p + 8 * v)));
}
// Lanes 4v .. 4v + 3 of 16 bytes, widened to int32 (unsigned or signed bytes).
inline int32x4_t widen_u8(uint8x16_t b, int v) {
  const uint16x8_t h = v < 2 ? vmovl_u8(vget_low_u8(b)) : vmovl_u8(vget_high_u8(b));
  return vreinterpretq_s32_u32(v % 2 ? vmovl_u16(vget_high_u16(h)) : vmovl_u16(vget_low_u16(h)));
}
inline int32x4_t widen_s8(int8x16_t b, int v) {
  const int16x8_t h = v < 2 ? vmovl_s8(vget_low_s8(b)) : vmovl_s8(vget_high_s8(b));
  return v % 2 ? vmovl_s16(vget_high_s16(h)) : vmovl_s16(vget_low_s16(h));
}

// The sums of a tile (token t, register v) set to zero, and the float ones stored at the end of a call.
template <int NT, int V>
inline void zero_sums(float32x4_t (&acc)[NT][V]) {
#pragma GCC unroll 8
  for (int t = 0; t < NT; ++t)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[t][v] = vdupq_n_f32(0.0f);
}
template <int NT, int V>
inline void zero_sums(int32x4_t (&acc)[NT][V]) {
#pragma GCC unroll 8
  for (int t = 0; t < NT; ++t)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[t][v] = vdupq_n_s32(0);
}
template <int NT, int V>
inline void store_sums(const float32x4_t (&acc)[NT][V], float* y, int64_t ldy, int v0) {
#pragma GCC unroll 8
  for (int t = 0; t < NT; ++t)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) vst1q_f32(y + t * ldy + 4 * (v0 + v), acc[t][v]);
}

// Runs a call of up to kGemmTile tokens through K<V, NT>::run, which computes rows 4 v0 ..
// 4 (v0 + V) of the group for NT tokens over the call's blocks (y + 4 v0: those rows' outputs).
// Tiles hold at most kCells = V x NT integer sums: the 32 registers also hold the codes, the
// activations and the running sums. Small calls take all 16 rows at once (each activation
// register then feeds four dots), larger ones 8 rows x up to kCells / 2 tokens per pass, the
// group's block column re-read from L1 by the other pass.
template <template <int, int> class K, int kCells>
void by_tile_neon(const uint8_t* g, const ActRows& x, const Rows16Call& c) {
  constexpr int kWide = kCells / 4, kNarrow = kCells / 2;
  static_assert(kWide >= 1 && kNarrow <= kGemmTile);
  if (c.nt <= kWide) {
    [&]<int... I>(std::integer_sequence<int, I...>) {
      ((c.nt == I + 1 ? K<4, I + 1>::run(g, x, c.b0, c.b1, c.y, c.ldy, 0) : void()), ...);
    }(std::make_integer_sequence<int, kWide>{});
    return;
  }
  for (int t0 = 0; t0 < c.nt; t0 += kNarrow) {
    const int n = c.nt - t0 < kNarrow ? c.nt - t0 : kNarrow;
    const ActRows xt = x.shifted(t0);
    float* y = c.y + int64_t(t0) * c.ldy;
    for (int v0 = 0; v0 < 4; v0 += 2)
      [&]<int... I>(std::integer_sequence<int, I...>) {
        ((n == I + 1 ? K<2, I + 1>::run(g, xt, c.b0, c.b1, y, c.ldy, v0) : void()), ...);
      }(std::make_integer_sequence<int, kNarrow>{});
  }
}

}  // namespace
}  // namespace frugal::kernels
