// NEON row-dot kernels (ARM64, Armv8.2-A with the dot-product extension): a block's codes as
// int8 vectors times the int8 activations with SDOT (four products into each int32 lane), the
// scales applied per block (per sub-block for the K formats, in int32); float weights with FMA.
// Same formulas as the portable path (scalar/row_dots_scalar.cpp), so results differ from it
// only in the order of float additions.
#include <arm_neon.h>

#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/quant/blocks.h"

namespace frugal::kernels {

namespace {

inline float load_fp16(const uint8_t* p) {
  __fp16 h;
  std::memcpy(&h, p, 2);
  return float(h);
}
inline int8x16_t load_s8(const int8_t* p) { return vld1q_s8(p); }
inline int8x16_t as_s8(uint8x16_t v) { return vreinterpretq_s8_u8(v); }
// acc + per-int32-lane sums of four int8 products.
inline int32x4_t sdot(int32x4_t acc, int8x16_t a, int8x16_t b) { return vdotq_s32(acc, a, b); }
// 16 bits -> 16 bytes: 0x10 where bit j of `bits` is set (the fifth bit of a 5-bit code).
inline uint8x16_t bit4_of(uint32_t bits) {
  const uint8x16_t v = vcombine_u8(vdup_n_u8(uint8_t(bits)), vdup_n_u8(uint8_t(bits >> 8)));
  const uint8x16_t sel = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  return vandq_u8(vtstq_u8(v, sel), vdupq_n_u8(0x10));
}

// The 32-value block formats: codes (elements 0..15 in lo, 16..31 in hi; unsigned, or signed
// for Q8_0) with x = dw * (q - kZero) + mw.
// Q4_0 / Q4_1: the 16 code bytes after kQs bytes of scales.
template <int kQs, int kZero_, bool kMin_>
struct NeonQ4 {
  static constexpr int kBytes = kQs + 16, kZero = kZero_;
  static constexpr bool kMin = kMin_;
  static void codes(const uint8_t* b, int8x16_t& lo, int8x16_t& hi) {
    const uint8x16_t v = vld1q_u8(b + kQs);
    lo = as_s8(vandq_u8(v, vdupq_n_u8(0x0F))), hi = as_s8(vshrq_n_u8(v, 4));
  }
};
using NeonQ4_0 = NeonQ4<2, 8, false>;
using NeonQ4_1 = NeonQ4<4, 0, true>;
template <int kQh, int kZero_, bool kMin_>
struct NeonQ5 {
  static constexpr int kBytes = kQh + 20, kZero = kZero_;
  static constexpr bool kMin = kMin_;
  static void codes(const uint8_t* b, int8x16_t& lo, int8x16_t& hi) {
    uint32_t qh;
    std::memcpy(&qh, b + kQh, 4);
    const uint8x16_t v = vld1q_u8(b + kQh + 4);
    lo = as_s8(vorrq_u8(vandq_u8(v, vdupq_n_u8(0x0F)), bit4_of(qh)));
    hi = as_s8(vorrq_u8(vshrq_n_u8(v, 4), bit4_of(qh >> 16)));
  }
};
using NeonQ5_0 = NeonQ5<2, 16, false>;
using NeonQ5_1 = NeonQ5<4, 0, true>;
// IQ4_NL: the nibbles index the grid (signed values straight into SDOT).
struct NeonIQ4_NL {
  static constexpr int kBytes = 18, kZero = 0;
  static constexpr bool kMin = false;
  static void codes(const uint8_t* b, int8x16_t& lo, int8x16_t& hi) {
    const int8x16_t grid = vld1q_s8(kIq4Values);
    const uint8x16_t v = vld1q_u8(b + 2);
    lo = vqtbl1q_s8(grid, vandq_u8(v, vdupq_n_u8(0x0F))), hi = vqtbl1q_s8(grid, vshrq_n_u8(v, 4));
  }
};
struct NeonQ8_0 {
  static constexpr int kBytes = 34, kZero = 0;
  static constexpr bool kMin = false;
  static void codes(const uint8_t* b, int8x16_t& lo, int8x16_t& hi) {
    lo = vld1q_s8(reinterpret_cast<const int8_t*>(b + 2)), hi = vld1q_s8(reinterpret_cast<const int8_t*>(b + 18));
  }
};

// sum_b dw * dx * isum + (mw - kZero * dw) * sx, with sx = dx * sum(qx) from the activations.
template <class F>
struct LegacyKernel {
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    float32x4_t acc[NT];
    float corr[NT];
    for (int t = 0; t < NT; ++t) acc[t] = vdupq_n_f32(0), corr[t] = 0;
    const int64_t nb = x.cols / kQK;
    for (int64_t b = 0; b < nb; ++b, w += F::kBytes) {
      const float dw = load_fp16(w);
      const float coef = F::kMin ? load_fp16(w + 2) : -float(F::kZero) * dw;
      int8x16_t lo, hi;
      F::codes(w, lo, hi);
      for (int t = 0; t < NT; ++t) {
        const int8_t* q = x.qs(t) + kQK * b;
        const int32x4_t isum = sdot(sdot(vdupq_n_s32(0), lo, load_s8(q)), hi, load_s8(q + 16));
        acc[t] = vmlaq_n_f32(acc[t], vcvtq_f32_s32(isum), dw * x.d(t)[b]);
        if constexpr (F::kZero != 0 || F::kMin) corr[t] += coef * x.sum32(t)[b];
      }
    }
    for (int t = 0; t < NT; ++t) out[t] = vaddvq_f32(acc[t]) + corr[t];
  }
};

// Q4_K (kHigh = false) and Q5_K (kHigh = true): codes 0..31 as int8, sub-block sums scaled in
// int32 (at most 8 * 31 * 127 per lane and sub-block, times a 6-bit scale: far inside int32).
template <bool kHigh>
struct KAffineKernel {
  static constexpr int kBytes = kHigh ? 176 : 144, kQs = kHigh ? 48 : 16;
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    float32x4_t acc[NT];
    float corr[NT];
    for (int t = 0; t < NT; ++t) acc[t] = vdupq_n_f32(0), corr[t] = 0;
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    const int64_t nb = x.cols / kQKK;
    for (int64_t b = 0; b < nb; ++b, w += kBytes) {
      const float d = load_fp16(w), dmin = load_fp16(w + 2);
      uint8_t sc[8], m[8];
      unpack_k4_scales(w + 4, sc, m);
      uint8x16_t qh[2] = {vdupq_n_u8(0), vdupq_n_u8(0)};
      if constexpr (kHigh) qh[0] = vld1q_u8(w + 16), qh[1] = vld1q_u8(w + 32);
      int32x4_t isum[NT];
      for (int t = 0; t < NT; ++t) isum[t] = vdupq_n_s32(0);
      for (int c = 0; c < 4; ++c) {  // qs[32c + l]: low nibble element 64c + l, high 64c + 32 + l
        int8x16_t lo[2], hi[2];
        for (int i = 0; i < 2; ++i) {
          const uint8x16_t raw = vld1q_u8(w + kQs + 32 * c + 16 * i);
          uint8x16_t l = vandq_u8(raw, m4), h = vshrq_n_u8(raw, 4);
          if constexpr (kHigh) {  // bit 2c of qh[l]: fifth bit of element 64c + l; bit 2c + 1: 64c + 32 + l
            l = vorrq_u8(l, vandq_u8(vtstq_u8(qh[i], vdupq_n_u8(uint8_t(1 << (2 * c)))), vdupq_n_u8(0x10)));
            h = vorrq_u8(h, vandq_u8(vtstq_u8(qh[i], vdupq_n_u8(uint8_t(2 << (2 * c)))), vdupq_n_u8(0x10)));
          }
          lo[i] = as_s8(l), hi[i] = as_s8(h);
        }
        for (int t = 0; t < NT; ++t) {
          const int8_t* q = x.qs(t) + kQKK * b + 64 * c;
          const int32x4_t s_lo = sdot(sdot(vdupq_n_s32(0), lo[0], load_s8(q)), lo[1], load_s8(q + 16));
          const int32x4_t s_hi = sdot(sdot(vdupq_n_s32(0), hi[0], load_s8(q + 32)), hi[1], load_s8(q + 48));
          isum[t] = vmlaq_n_s32(vmlaq_n_s32(isum[t], s_lo, sc[2 * c]), s_hi, sc[2 * c + 1]);
        }
      }
      for (int t = 0; t < NT; ++t) {
        const float dx = x.d(t)[b];
        const int16_t* bs = x.bsums32(t) + 8 * b;
        int msum = 0;
        for (int j = 0; j < 8; ++j) msum += int(m[j]) * bs[j];
        acc[t] = vmlaq_n_f32(acc[t], vcvtq_f32_s32(isum[t]), d * dx);
        corr[t] -= dmin * dx * float(msum);
      }
    }
    for (int t = 0; t < NT; ++t) out[t] = vaddvq_f32(acc[t]) + corr[t];
  }
};

// Q6_K: codes - 32 in [-32, 31] as int8; each 16-byte vector of codes is one sub-block.
struct Q6KKernel {
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    float32x4_t acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = vdupq_n_f32(0);
    const uint8x16_t m4 = vdupq_n_u8(0x0F), m3 = vdupq_n_u8(3);
    const int8x16_t off = vdupq_n_s8(32);
    const int64_t nb = x.cols / kQKK;
    for (int64_t b = 0; b < nb; ++b, w += 210) {
      const float d = load_fp16(w + 208);
      const int8_t* scales = reinterpret_cast<const int8_t*>(w + 192);
      int32x4_t isum[NT];
      for (int t = 0; t < NT; ++t) isum[t] = vdupq_n_s32(0);
      for (int h = 0; h < 2; ++h)
        for (int i = 0; i < 2; ++i) {  // elements 128h + 32u + 16i + l: sub-block 8h + 2u + i
          const uint8x16_t l0 = vld1q_u8(w + 64 * h + 16 * i), l1 = vld1q_u8(w + 64 * h + 32 + 16 * i);
          const uint8x16_t qh = vld1q_u8(w + 128 + 32 * h + 16 * i);
          const uint8x16_t u[4] = {
              vorrq_u8(vandq_u8(l0, m4), vshlq_n_u8(vandq_u8(qh, m3), 4)),
              vorrq_u8(vandq_u8(l1, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(qh, 2), m3), 4)),
              vorrq_u8(vshrq_n_u8(l0, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(qh, 4), m3), 4)),
              vorrq_u8(vshrq_n_u8(l1, 4), vshlq_n_u8(vshrq_n_u8(qh, 6), 4)),
          };
          for (int k = 0; k < 4; ++k) {
            const int8x16_t q = vsubq_s8(as_s8(u[k]), off);
            const int j = 8 * h + 2 * k + i;
            for (int t = 0; t < NT; ++t) {
              const int8_t* xq = x.qs(t) + kQKK * b + 16 * j;
              isum[t] = vmlaq_n_s32(isum[t], sdot(vdupq_n_s32(0), q, load_s8(xq)), scales[j]);
            }
          }
        }
      for (int t = 0; t < NT; ++t) acc[t] = vmlaq_n_f32(acc[t], vcvtq_f32_s32(isum[t]), d * x.d(t)[b]);
    }
    for (int t = 0; t < NT; ++t) out[t] = vaddvq_f32(acc[t]);
  }
};

// Float weights against f32 activations: 4 values per conversion.
struct ConvF32 {
  static constexpr int kBytes = 4;
  static float32x4_t load4(const uint8_t* w) { return vreinterpretq_f32_u8(vld1q_u8(w)); }
};
struct ConvF16 {
  static constexpr int kBytes = 2;
  static float32x4_t load4(const uint8_t* w) { return vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w))); }
};
struct ConvBF16 {
  static constexpr int kBytes = 2;
  static float32x4_t load4(const uint8_t* w) {
    return vreinterpretq_f32_u32(vshll_n_u16(vreinterpret_u16_u8(vld1_u8(w)), 16));
  }
};

template <class Conv>
struct FloatKernel {
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    float32x4_t a0[NT], a1[NT];
    const float* xr[NT];
    for (int t = 0; t < NT; ++t) a0[t] = a1[t] = vdupq_n_f32(0), xr[t] = x.f32(t);
    int64_t c = 0;
    for (; c + 8 <= x.cols; c += 8) {
      const float32x4_t w0 = Conv::load4(w + c * Conv::kBytes), w1 = Conv::load4(w + (c + 4) * Conv::kBytes);
      for (int t = 0; t < NT; ++t) {
        a0[t] = vfmaq_f32(a0[t], w0, vld1q_f32(xr[t] + c));
        a1[t] = vfmaq_f32(a1[t], w1, vld1q_f32(xr[t] + c + 4));
      }
    }
    // The tail (fewer than 8 values) one at a time through the same conversion.
    alignas(16) uint8_t tail[8 * 4] = {};
    const int64_t rest = x.cols - c;
    std::memcpy(tail, w + c * Conv::kBytes, size_t(rest) * Conv::kBytes);
    for (int t = 0; t < NT; ++t) {
      float s = vaddvq_f32(vaddq_f32(a0[t], a1[t]));
      alignas(16) float wv[8];
      vst1q_f32(wv, Conv::load4(tail)), vst1q_f32(wv + 4, Conv::load4(tail + 4 * Conv::kBytes));
      for (int64_t i = 0; i < rest; ++i) s += wv[i] * xr[t][c + i];
      out[t] = s;
    }
  }
};

}  // namespace

RowDotFn neon_row_dot(GgmlType t) {
  switch (t) {
    case GgmlType::F32: return by_tile<FloatKernel<ConvF32>>;
    case GgmlType::F16: return by_tile<FloatKernel<ConvF16>>;
    case GgmlType::BF16: return by_tile<FloatKernel<ConvBF16>>;
    case GgmlType::Q4_0: return by_tile<LegacyKernel<NeonQ4_0>>;
    case GgmlType::Q4_1: return by_tile<LegacyKernel<NeonQ4_1>>;
    case GgmlType::Q5_0: return by_tile<LegacyKernel<NeonQ5_0>>;
    case GgmlType::Q5_1: return by_tile<LegacyKernel<NeonQ5_1>>;
    case GgmlType::Q8_0: return by_tile<LegacyKernel<NeonQ8_0>>;
    case GgmlType::IQ4_NL: return by_tile<LegacyKernel<NeonIQ4_NL>>;
    case GgmlType::Q4_K: return by_tile<KAffineKernel<false>>;
    case GgmlType::Q5_K: return by_tile<KAffineKernel<true>>;
    case GgmlType::Q6_K: return by_tile<Q6KKernel>;
    default: return neon_row_dot_low(t);
  }
}

}  // namespace frugal::kernels
