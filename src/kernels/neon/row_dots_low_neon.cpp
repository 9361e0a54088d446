// NEON row-dot kernels for the low-bit K formats Q2_K and Q3_K, and IQ4_XS (ARM64 with the dot-product
// extension): per 16-value sub-block one SDOT of the codes with the int8 activations, scaled in
// int32; Q2_K's mins through the per-16 activation sums. Same formulas as the portable path.
#include <arm_neon.h>

#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/quant/blocks.h"

namespace frugal::kernels {

namespace {

inline float fp16_at(const uint8_t* p) {
  __fp16 h;
  std::memcpy(&h, p, 2);
  return float(h);
}

// The four 2-bit planes of 16 qs bytes: plane k holds the codes of quarter k.
inline void low2_planes(uint8x16_t raw, uint8x16_t* u) {
  const uint8x16_t m3 = vdupq_n_u8(3);
  u[0] = vandq_u8(raw, m3);
  u[1] = vandq_u8(vshrq_n_u8(raw, 2), m3);
  u[2] = vandq_u8(vshrq_n_u8(raw, 4), m3);
  u[3] = vshrq_n_u8(raw, 6);
}

// sum_j bsums[j] * m[j] over a block's 16 sub-blocks (m: 16 bytes).
inline int32x4_t mins_sum(const int16_t* bs, uint8x16_t m) {
  const int16x8_t m0 = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(m)));
  const int16x8_t m1 = vreinterpretq_s16_u16(vmovl_u8(vget_high_u8(m)));
  const int16x8_t b0 = vld1q_s16(bs), b1 = vld1q_s16(bs + 8);
  int32x4_t s = vmull_s16(vget_low_s16(b0), vget_low_s16(m0));
  s = vmlal_s16(s, vget_high_s16(b0), vget_high_s16(m0));
  s = vmlal_s16(s, vget_low_s16(b1), vget_low_s16(m1));
  return vmlal_s16(s, vget_high_s16(b1), vget_high_s16(m1));
}

struct Q2KKernel {
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    float32x4_t acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = vdupq_n_f32(0);
    const int64_t nb = x.cols / kQKK;
    for (int64_t b = 0; b < nb; ++b, w += sizeof(BlockQ2_K)) {
      const float d = fp16_at(w + 80), dmin = fp16_at(w + 82);
      int32x4_t isum[NT];
      for (int t = 0; t < NT; ++t) isum[t] = vdupq_n_s32(0);
      for (int h = 0; h < 2; ++h)
        for (int i = 0; i < 2; ++i) {  // elements 128h + 32k + 16i + l: sub-block 8h + 2k + i
          uint8x16_t u[4];
          low2_planes(vld1q_u8(w + 16 + 32 * h + 16 * i), u);
          for (int k = 0; k < 4; ++k) {
            const int j = 8 * h + 2 * k + i;
            const int8x16_t q = vreinterpretq_s8_u8(u[k]);
            for (int t = 0; t < NT; ++t) {
              const int32x4_t dot = vdotq_s32(vdupq_n_s32(0), q, vld1q_s8(x.qs(t) + kQKK * b + 16 * j));
              isum[t] = vmlaq_n_s32(isum[t], dot, w[j] & 0xF);
            }
          }
        }
      const uint8x16_t mins = vshrq_n_u8(vld1q_u8(w), 4);
      for (int t = 0; t < NT; ++t) {
        const float dx = x.d(t)[b];
        const int32x4_t ms = mins_sum(x.bsums(t) + 16 * b, mins);
        acc[t] = vmlaq_n_f32(acc[t], vcvtq_f32_s32(isum[t]), d * dx);
        acc[t] = vmlaq_n_f32(acc[t], vcvtq_f32_s32(ms), -dmin * dx);
      }
    }
    for (int t = 0; t < NT; ++t) out[t] = vaddvq_f32(acc[t]);
  }
};

// Q3_K: signed codes (low two bits | hmask bit << 2) - 4 straight into SDOT.
struct Q3KKernel {
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    float32x4_t acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = vdupq_n_f32(0);
    const uint8x16_t one = vdupq_n_u8(1);
    const int8x16_t four = vdupq_n_s8(4);
    const int64_t nb = x.cols / kQKK;
    for (int64_t b = 0; b < nb; ++b, w += sizeof(BlockQ3_K)) {
      const float d = fp16_at(w + 108);
      int8_t sc[16];
      unpack_q3_scales(w + 96, sc);
      int32x4_t isum[NT];
      for (int t = 0; t < NT; ++t) isum[t] = vdupq_n_s32(0);
      for (int i = 0; i < 2; ++i) {
        const uint8x16_t hm = vld1q_u8(w + 16 * i);
        for (int h = 0; h < 2; ++h) {
          uint8x16_t u[4];
          low2_planes(vld1q_u8(w + 32 + 32 * h + 16 * i), u);
          for (int k = 0; k < 4; ++k) {
            const int j = 8 * h + 2 * k + i;
            const uint8x16_t high = vshlq_n_u8(vandq_u8(vshlq_u8(hm, vdupq_n_s8(int8_t(-(4 * h + k)))), one), 2);
            const int8x16_t q = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(u[k], high)), four);
            for (int t = 0; t < NT; ++t) {
              const int32x4_t dot = vdotq_s32(vdupq_n_s32(0), q, vld1q_s8(x.qs(t) + kQKK * b + 16 * j));
              isum[t] = vmlaq_n_s32(isum[t], dot, sc[j]);
            }
          }
        }
      }
      for (int t = 0; t < NT; ++t) acc[t] = vmlaq_n_f32(acc[t], vcvtq_f32_s32(isum[t]), d * x.d(t)[b]);
    }
    for (int t = 0; t < NT; ++t) out[t] = vaddvq_f32(acc[t]);
  }
};

// IQ4_XS: per 32-value sub-block the grid values (vqtbl1q) into two SDOTs, scaled by ls - 32.
struct IQ4XSKernel {
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    float32x4_t acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = vdupq_n_f32(0);
    const int8x16_t grid = vld1q_s8(kIq4Values);
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    const int64_t nb = x.cols / kQKK;
    for (int64_t b = 0; b < nb; ++b, w += sizeof(BlockIQ4_XS)) {
      const float d = fp16_at(w);
      int32x4_t isum[NT];
      for (int t = 0; t < NT; ++t) isum[t] = vdupq_n_s32(0);
      for (int j = 0; j < 8; ++j) {
        const int sc = iq4xs_scale_at(w, j);
        const uint8x16_t v = vld1q_u8(w + 8 + 16 * j);
        const int8x16_t lo = vqtbl1q_s8(grid, vandq_u8(v, m4)), hi = vqtbl1q_s8(grid, vshrq_n_u8(v, 4));
        for (int t = 0; t < NT; ++t) {
          const int8_t* q = x.qs(t) + kQKK * b + 32 * j;
          const int32x4_t dot = vdotq_s32(vdotq_s32(vdupq_n_s32(0), lo, vld1q_s8(q)), hi, vld1q_s8(q + 16));
          isum[t] = vmlaq_n_s32(isum[t], dot, sc);
        }
      }
      for (int t = 0; t < NT; ++t) acc[t] = vmlaq_n_f32(acc[t], vcvtq_f32_s32(isum[t]), d * x.d(t)[b]);
    }
    for (int t = 0; t < NT; ++t) out[t] = vaddvq_f32(acc[t]);
  }
};

}  // namespace

RowDotFn neon_row_dot_low(GgmlType t) {
  switch (t) {
    case GgmlType::Q2_K: return by_tile<Q2KKernel>;
    case GgmlType::Q3_K: return by_tile<Q3KKernel>;
    case GgmlType::IQ4_XS: return by_tile<IQ4XSKernel>;
    default: return nullptr;
  }
}

}  // namespace frugal::kernels
