// NEON instance of the grouped decode attention (kernels/simd/group_attention.h): vectors of 4
// floats, 32 registers (the same register budgets as AVX-512's, in a quarter of the width).
#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "kernels/attention.h"

namespace frugal::kernels {
namespace {

struct VecNeon {
  using V = float32x4_t;
  static constexpr int kWidth = 4;
  static constexpr int kScoreHeads = 4;                  // 16 + 4 + 1 of 32 registers
  static constexpr int kPairHeads = 4;                   // none wider: not timed on ARM hardware
  static constexpr int kValueHeads = 4, kValueVecs = 4;  // 16 + 4 + 1 of 32 registers
  static V zero() { return vdupq_n_f32(0.0f); }
  static V set1(float x) { return vdupq_n_f32(x); }
  static V load(const float* p) { return vld1q_f32(p); }
  static V load(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
  static V load(const int8_t* p) {
    int32_t w;
    std::memcpy(&w, p, 4);
    const int16x8_t h = vmovl_s8(vreinterpret_s8_s32(vdup_n_s32(w)));
    return vcvtq_f32_s32(vmovl_s16(vget_low_s16(h)));
  }
  static void store(float* p, V x) { vst1q_f32(p, x); }
  static V add(V a, V b) { return vaddq_f32(a, b); }
  static V sub(V a, V b) { return vsubq_f32(a, b); }
  static V mul(V a, V b) { return vmulq_f32(a, b); }
  static V max(V a, V b) { return vmaxq_f32(a, b); }
  static V fmadd(V a, V b, V c) { return vfmaq_f32(c, a, b); }
  static V fnmadd(V a, V b, V c) { return vfmsq_f32(c, a, b); }
  static V pin(V x) {
    __asm__("" : "+w"(x));
    return x;
  }
  static V round(V x) { return vrndnq_f32(x); }
  // p * 2^n for integral n in [-126, 127]: n goes straight into the exponent bits.
  static V ldexp(V p, V n) {
    const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(e));
  }
  static float hsum(V x) { return vaddvq_f32(x); }
  static float hmax(V x) { return vmaxvq_f32(x); }
  static float half(uint16_t h) {
    __fp16 v;
    std::memcpy(&v, &h, 2);
    return float(v);
  }
  static void store_sums4(float* out, const V (&v)[4], float scale) {
    const V s = vpaddq_f32(vpaddq_f32(v[0], v[1]), vpaddq_f32(v[2], v[3]));
    vst1q_f32(out, vmulq_n_f32(s, scale));
  }
  static void transpose(V (&r)[kWidth]) {
    const float32x4x2_t a = vtrnq_f32(r[0], r[1]), b = vtrnq_f32(r[2], r[3]);  // (r0 r1) pairs per column
    r[0] = vcombine_f32(vget_low_f32(a.val[0]), vget_low_f32(b.val[0]));
    r[1] = vcombine_f32(vget_low_f32(a.val[1]), vget_low_f32(b.val[1]));
    r[2] = vcombine_f32(vget_high_f32(a.val[0]), vget_high_f32(b.val[0]));
    r[3] = vcombine_f32(vget_high_f32(a.val[1]), vget_high_f32(b.val[1]));
  }
};

}  // namespace
}  // namespace frugal::kernels

#include "kernels/simd/group_attention.h"

namespace frugal::kernels {

void attend_group_neon(const HeadGroup& g, float* scratch) {
  if (g.kv == KvType::F16) return GroupAttention<VecNeon, uint16_t>::run(g, scratch);
  if (g.kv == KvType::Q8_0) return GroupAttention<VecNeon, int8_t>::run(g, scratch);
  GroupAttention<VecNeon, float>::run(g, scratch);
}

}  // namespace frugal::kernels
