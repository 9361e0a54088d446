// NEON Rows16 micro-kernels for the 4/5-bit 32-value block formats Q4_0, Q4_1, Q5_0 and Q5_1:
// per block, 4 code vectors give 8 (low and high nibbles, plus the fifth bit from a qh vector),
// each multiplied by 4 activation bytes per token with SDOT by lane (codes 0..31 fit int8).
// GCC's scheduling before register allocation hoists all of a block's code loads ahead of their dots
// and spills them (a Q8_0 tile of 16 rows x 2 tokens stored 44 vectors to the stack).
#pragma GCC optimize("no-schedule-insns")
#include "kernels/neon/rows16_neon_common.h"
#include "kernels/quant/blocks.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

namespace {

// sum_b dx * (d * sum(q x) + coef * sum(x)) with coef = m or -kZero * d; x.sum32 = dx * the
// block's sum of activation codes.
template <class F, int V, int NT>
struct LegacyNeon {
  [[gnu::noinline]] static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy, int v0) {
    const uint8x16_t m4 = vdupq_n_u8(0x0F), b4 = vdupq_n_u8(0x10);
    float32x4_t acc[NT][V];
    zero_sums(acc);
    g += b0 * F::kGroup;
    for (int64_t b = b0; b < b1; ++b, g += F::kGroup) {
      int8x16_t xv[NT][2];
      int32x4_t s[NT][V];
#pragma GCC unroll 8
      for (int t = 0; t < NT; ++t) {
        xv[t][0] = vld1q_s8(x.qs(t) + kQK * b), xv[t][1] = vld1q_s8(x.qs(t) + kQK * b + 16);
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) s[t][v] = vdupq_n_s32(0);
      }
      uint8x16_t qh[V];
      if constexpr (F::kHigh)
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) qh[v] = vld1q_u8(g + F::kQh + 16 * (v0 + v));
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k)  // low nibbles: elements 4k + i, high: 16 + 4k + i
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) {
          const uint8x16_t raw = vld1q_u8(g + F::kQs + 64 * k + 16 * (v0 + v));
          uint8x16_t lo = vandq_u8(raw, m4), hi = vshrq_n_u8(raw, 4);
          if constexpr (F::kHigh) {  // bit u of qh byte i: fifth bit of element 4u + i (u = k, 4 + k)
            lo = vbslq_u8(b4, vshlq_u8(qh[v], vdupq_n_s8(int8_t(4 - k))), lo);
            hi = vbslq_u8(b4, vshlq_u8(qh[v], vdupq_n_s8(int8_t(-k))), hi);
          }
#pragma GCC unroll 8
          for (int t = 0; t < NT; ++t) {
            s[t][v] = sdot_lane(s[t][v], as_s8(lo), xv[t][0], k);
            s[t][v] = sdot_lane(s[t][v], as_s8(hi), xv[t][1], k);
          }
        }
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) {
        const float32x4_t d = load_fp16x4(g, v0 + v);
        const float32x4_t coef = F::kMin ? load_fp16x4(g + 32, v0 + v) : vmulq_n_f32(d, -float(F::kZero));
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) {
          acc[t][v] = vfmaq_f32(acc[t][v], vcvtq_f32_s32(s[t][v]), vmulq_n_f32(d, x.d(t)[b]));
          acc[t][v] = vfmaq_n_f32(acc[t][v], coef, x.sum32(t)[b]);
        }
      }
    }
    store_sums(acc, y, ldy, v0);
  }
};
template <int V, int NT>
using Q4_0Neon = LegacyNeon<Q4_0Rows16Layout, V, NT>;
template <int V, int NT>
using Q4_1Neon = LegacyNeon<Q4_1Rows16Layout, V, NT>;
template <int V, int NT>
using Q5_0Neon = LegacyNeon<Q5_0Rows16Layout, V, NT>;
template <int V, int NT>
using Q5_1Neon = LegacyNeon<Q5_1Rows16Layout, V, NT>;

}  // namespace

Rows16Fn neon_rows16_legacy(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_0: return by_tile_neon<Q4_0Neon, 8>;
    case GgmlType::Q4_1: return by_tile_neon<Q4_1Neon, 8>;
    case GgmlType::Q5_0: return by_tile_neon<Q5_0Neon, 8>;
    case GgmlType::Q5_1: return by_tile_neon<Q5_1Neon, 8>;
    default: return nullptr;
  }
}

}  // namespace frugal::kernels
