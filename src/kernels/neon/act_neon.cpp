// NEON activation quantization (the driver: simd/act_quant.h), bit-identical to
// quantize_act_row: FCVTNS rounds to nearest even like lrintf in the default rounding mode.
#include <arm_neon.h>

#include <limits>

#include "kernels/act.h"
#include "kernels/simd/act_quant.h"

namespace frugal::kernels {

namespace {

struct NeonActQuant {
  // n: a multiple of 4.
  static float absmax(const float* x, int n, bool* bad) {
    const float32x4_t inf = vdupq_n_f32(std::numeric_limits<float>::infinity());
    float32x4_t m = vdupq_n_f32(0.0f);
    uint32x4_t finite = vdupq_n_u32(~0u);
    for (int i = 0; i < n; i += 4) {
      const float32x4_t a = vabsq_f32(vld1q_f32(x + i));
      m = vmaxq_f32(m, a);
      finite = vandq_u32(finite, vcltq_f32(a, inf));  // false for inf and NaN
    }
    *bad = vminvq_u32(finite) == 0;
    return vmaxvq_f32(m);
  }

  static int quantize32(const float* x, float id, int8_t* q, int16_t* sums16) {
    int16x8_t h[4];
    for (int k = 0; k < 4; ++k) {
      const int32x4_t a = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + 8 * k), id));
      const int32x4_t b = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + 8 * k + 4), id));
      h[k] = vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));
    }
    const int8x16_t lo = vcombine_s8(vqmovn_s16(h[0]), vqmovn_s16(h[1]));
    const int8x16_t hi = vcombine_s8(vqmovn_s16(h[2]), vqmovn_s16(h[3]));
    vst1q_s8(q, lo), vst1q_s8(q + 16, hi);
    const int s0 = vaddlvq_s8(lo), s1 = vaddlvq_s8(hi);
    if (sums16) sums16[0] = int16_t(s0), sums16[1] = int16_t(s1);
    return s0 + s1;
  }
};

}  // namespace

void quantize_act_row_neon(ActKind kind, const float* x, int64_t cols, uint8_t* dst) {
  quantize_act_row_with<NeonActQuant>(kind, x, cols, dst);
}

}  // namespace frugal::kernels
