// NEON Rows16 micro-kernels for Q8_0, Q4_K, Q5_K and Q6_K (the Rows16 layout, as AVX-512's):
// 8 or 16 weight rows x up to 4 tokens per pass, SDOT by lane (each register of codes holds 4
// rows, see rows16_neon_common.h), sub-block sums scaled per row in int32, float scales per block.
// GCC's scheduling before register allocation hoists all of a block's code loads ahead of their dots
// and spills them (a Q8_0 tile of 16 rows x 2 tokens stored 44 vectors to the stack).
#pragma GCC optimize("no-schedule-insns")
#include "kernels/neon/rows16_neon_common.h"
#include "kernels/quant/blocks.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

namespace {

// Q8_0: codes stored as q + 128 (xor 0x80 gives q back as int8), one fp16 scale per row and block.
template <int V, int NT>
struct Q8_0Neon {
  static constexpr int kGroup = 16 * 34;
  [[gnu::noinline]] static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy, int v0) {
    const uint8x16_t flip = vdupq_n_u8(0x80);
    float32x4_t acc[NT][V];
    zero_sums(acc);
    g += b0 * kGroup;
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      int8x16_t xv[NT][2];
      int32x4_t s[NT][V];
#pragma GCC unroll 8
      for (int t = 0; t < NT; ++t) {
        xv[t][0] = vld1q_s8(x.qs(t) + kQK * b), xv[t][1] = vld1q_s8(x.qs(t) + kQK * b + 16);
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) s[t][v] = vdupq_n_s32(0);
      }
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k)  // vector k: bytes 4k .. 4k + 3 of each row's block
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) {
          const int8x16_t w = as_s8(veorq_u8(vld1q_u8(g + 32 + 64 * k + 16 * (v0 + v)), flip));
#pragma GCC unroll 8
          for (int t = 0; t < NT; ++t) s[t][v] = sdot_lane(s[t][v], w, xv[t][k / 4], k);
        }
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) {
        const float32x4_t dw = load_fp16x4(g, v0 + v);
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t)
          acc[t][v] = vfmaq_f32(acc[t][v], vcvtq_f32_s32(s[t][v]), vmulq_n_f32(dw, x.d(t)[b]));
      }
    }
    store_sums(acc, y, ldy, v0);
  }
};

// The 6-bit scale (mins = false) or min of sub-block q (high = false) or q + 4 (q < 4) of a
// Q4_K / Q5_K group block column, one byte per row from row 4 v0 on (the 16 bytes may run into
// the next rows' or the codes': the tile reads only its own), from its L | M | H header
// (repack/rows16.h).
inline uint8x16_t k_scale(const uint8_t* g, int q, bool high, bool mins, int v0) {
  const uint8x16_t m3f = vdupq_n_u8(0x3F);
  const uint8_t* at = g + 16 * q + 4 * v0;
  const uint8x16_t LM = vld1q_u8(at + (mins ? 128 : 64)), H = vld1q_u8(at + 192);
  if (!mins) return high ? vandq_u8(vsriq_n_u8(vshlq_n_u8(H, 2), LM, 4), m3f)  // L >> 4 | (H >> 2 & 3) << 4
                         : vandq_u8(vsliq_n_u8(LM, H, 4), m3f);                // L & 15 | (H & 3) << 4
  return high ? vsriq_n_u8(vshrq_n_u8(H, 2), LM, 4)                            // M >> 4 | (H >> 6) << 4
              : vandq_u8(vsliq_n_u8(LM, vshrq_n_u8(H, 4), 4), m3f);            // M & 15 | (H >> 4 & 3) << 4
}

// ms[t][v] = sum_j m[r][j] * (token t's sum of x over sub-block j) for the rows of register v0 + v.
template <int V, int NT>
void k_mins(const uint8_t* g, const ActRows& x, int64_t b, int v0, int32x4_t (&ms)[NT][V]) {
  int16x8_t bs[NT];
#pragma GCC unroll 8
  for (int t = 0; t < NT; ++t) bs[t] = vld1q_s16(x.bsums32(t) + 8 * b);
  zero_sums(ms);
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    const uint8x16_t mn = k_scale(g, j % 4, j >= 4, true, v0);
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      const uint16x8_t h = v < 2 ? vmovl_u8(vget_low_u8(mn)) : vmovl_u8(vget_high_u8(mn));
      const int16x4_t m = vreinterpret_s16_u16(v % 2 ? vget_high_u16(h) : vget_low_u16(h));
#pragma GCC unroll 8
      for (int t = 0; t < NT; ++t) ms[t][v] = vmlal_laneq_s16(ms[t][v], m, bs[t], j);
    }
  }
}

// Q4_K (kHigh = false) and Q5_K (kHigh = true: the fifth bits from 8 qh vectors). Per row
// and block: dx * (d * sum_j sc[j] * (q . x)_j - dmin * sum_j mn[j] * (sum of x over j)).
template <bool kHigh, int V, int NT>
struct KAffineNeon {
  static constexpr int kGroup = 16 * (kHigh ? 176 : 144), kQs = kHigh ? 768 : 256;
  [[gnu::noinline]] static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy,
                                    int v0) {
    const uint8x16_t m4 = vdupq_n_u8(0x0F), b4 = vdupq_n_u8(0x10);
    float32x4_t acc[NT][V];
    zero_sums(acc);
    g += b0 * kGroup;
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      int32x4_t tot[NT][V];
      zero_sums(tot);
      // Sub-blocks one at a time, in a loop kept rolled: unrolled, the compiler loads each code
      // vector once for both of its nibbles' sub-blocks and spills the 32 vectors in between.
#pragma GCC unroll 1
      for (int j = 0; j < 8; ++j) {  // sub-block j: low (even j) or high nibbles of vectors 8 (j / 2) .. + 7
        const int8x16_t nibble = vdupq_n_s8(int8_t(-4 * (j % 2)));  // shift right by 0 or 4
        const int8x16_t fifth = vdupq_n_s8(int8_t(4 - j));          // bit j of a qh byte to bit 4
        // Q5_K's qh vectors, the same for every sub-block: through a pointer the compiler cannot
        // see is loop-invariant, so it does not hoist the 8 V loads out of the loop and spill them.
        const uint8_t* qh = g + 256;
        if constexpr (kHigh) __asm__ volatile("" : "+r"(qh));
        int8x16_t xv[NT][2];
        int32x4_t s[NT][V];
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) {
          const int8_t* q = x.qs(t) + kQKK * b + 32 * j;
          xv[t][0] = vld1q_s8(q), xv[t][1] = vld1q_s8(q + 16);
#pragma GCC unroll 8
          for (int v = 0; v < V; ++v) s[t][v] = vdupq_n_s32(0);
        }
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k)
#pragma GCC unroll 8
          for (int v = 0; v < V; ++v) {
            const uint8x16_t raw = vld1q_u8(g + kQs + 64 * (8 * (j / 2) + k) + 16 * (v0 + v));
            uint8x16_t code = vandq_u8(vshlq_u8(raw, nibble), m4);
            if constexpr (kHigh)
              code = vbslq_u8(b4, vshlq_u8(vld1q_u8(qh + 64 * k + 16 * (v0 + v)), fifth), code);
#pragma GCC unroll 8
            for (int t = 0; t < NT; ++t) s[t][v] = sdot_lane(s[t][v], as_s8(code), xv[t][k / 4], k);
          }
        const uint8x16_t sc = k_scale(g, j % 4, j >= 4, false, v0);
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) {
          const int32x4_t scv = widen_u8(sc, v);
#pragma GCC unroll 8
          for (int t = 0; t < NT; ++t) tot[t][v] = vmlaq_s32(tot[t][v], s[t][v], scv);
        }
      }
      int32x4_t ms[NT][V];
      k_mins<V, NT>(g, x, b, v0, ms);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) {
        const float32x4_t d = load_fp16x4(g, v0 + v), dmin = load_fp16x4(g + 32, v0 + v);
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) {
          const float32x4_t r = vfmsq_f32(vmulq_f32(vcvtq_f32_s32(tot[t][v]), d), vcvtq_f32_s32(ms[t][v]), dmin);
          acc[t][v] = vfmaq_n_f32(acc[t][v], r, x.d(t)[b]);
        }
      }
    }
    store_sums(acc, y, ldy, v0);
  }
};
template <int V, int NT>
using Q4KNeon = KAffineNeon<false, V, NT>;
template <int V, int NT>
using Q5KNeon = KAffineNeon<true, V, NT>;

// Q6_K: per sub-block j, codes 0..63 from two ql vectors (nibbles) and one qh vector (2-bit
// pairs), less 32; sums scaled by the rows' int8 sub-block scales, then by d per block.
template <int V, int NT>
struct Q6KNeon {
  static constexpr int kGroup = 16 * 210;
  [[gnu::noinline]] static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy, int v0) {
    const uint8x16_t m3f = vdupq_n_u8(0x3F);
    const int8x16_t off = vdupq_n_s8(32);
    float32x4_t acc[NT][V];
    zero_sums(acc);
    g += b0 * kGroup;
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      int32x4_t tot[NT][V];
      zero_sums(tot);
#pragma GCC unroll 1
      for (int p = 0; p < 8; ++p) {
        // val[i]: the scales of sub-block 2p + i, byte r of row 4 v0 + r (the tile reads its own).
        const int8x16x2_t scales = vld2q_s8(reinterpret_cast<const int8_t*>(g + 32 + 32 * p + 8 * v0));
#pragma GCC unroll 2
        for (int i = 0; i < 2; ++i) {
          const int j = 2 * p + i;
          int8x16_t xv[NT];
          int32x4_t s[NT][V];
#pragma GCC unroll 8
          for (int t = 0; t < NT; ++t) {
            xv[t] = vld1q_s8(x.qs(t) + kQKK * b + 16 * j);
#pragma GCC unroll 8
            for (int v = 0; v < V; ++v) s[t][v] = vdupq_n_s32(0);
          }
#pragma GCC unroll 8
          for (int v = 0; v < V; ++v) {
            const uint8_t* sub = g + 288 + 192 * j + 16 * (v0 + v);
            const uint8x16_t ql0 = vld1q_u8(sub), ql1 = vld1q_u8(sub + 64), qh = vld1q_u8(sub + 128);
            // Code of element 16j + 4u + i (byte i of each row's lane): u = 0, 1 from ql0's low and
            // high nibbles, 2, 3 from ql1's, the top two bits from bits 2u, 2u + 1 of qh.
            const uint8x16_t u[4] = {
                vandq_u8(vsliq_n_u8(ql0, qh, 4), m3f),
                vandq_u8(vsriq_n_u8(vshlq_n_u8(qh, 2), ql0, 4), m3f),
                vandq_u8(vsliq_n_u8(ql1, vshrq_n_u8(qh, 4), 4), m3f),
                vsriq_n_u8(vshrq_n_u8(qh, 2), ql1, 4),
            };
#pragma GCC unroll 4
            for (int l = 0; l < 4; ++l) {
              const int8x16_t code = vsubq_s8(as_s8(u[l]), off);
#pragma GCC unroll 8
              for (int t = 0; t < NT; ++t) s[t][v] = sdot_lane(s[t][v], code, xv[t], l);
            }
          }
#pragma GCC unroll 8
          for (int v = 0; v < V; ++v) {
            const int32x4_t scv = widen_s8(scales.val[i], v);
#pragma GCC unroll 8
            for (int t = 0; t < NT; ++t) tot[t][v] = vmlaq_s32(tot[t][v], s[t][v], scv);
          }
        }
      }
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) {
        const float32x4_t d = load_fp16x4(g, v0 + v);
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t)
          acc[t][v] = vfmaq_f32(acc[t][v], vcvtq_f32_s32(tot[t][v]), vmulq_n_f32(d, x.d(t)[b]));
      }
    }
    store_sums(acc, y, ldy, v0);
  }
};

}  // namespace

Rows16Fn neon_rows16(GgmlType t) {
  switch (t) {
    case GgmlType::Q8_0: return by_tile_neon<Q8_0Neon, 8>;
    case GgmlType::Q4_K: return by_tile_neon<Q4KNeon, 8>;
    case GgmlType::Q5_K: return by_tile_neon<Q5KNeon, 8>;
    case GgmlType::Q6_K: return by_tile_neon<Q6KNeon, 8>;
    default: return neon_rows16_legacy(t);
  }
}

}  // namespace frugal::kernels
