// x86 (256-bit) row-dot kernels for F32, F16 and BF16 weights against f32 activations.
// Same linkage rules as x86_common.h.
#pragma once

#include "base/fp16.h"
#include "kernels/x86/x86_common.h"

namespace frugal::kernels {
namespace {

struct ConvF32 {
  static constexpr int kBytes = 4;
  static __m256 load8(const uint8_t* w) { return _mm256_loadu_ps(reinterpret_cast<const float*>(w)); }
  static float load1(const uint8_t* w) {
    float v;
    std::memcpy(&v, w, 4);
    return v;
  }
};
struct ConvF16 {
  static constexpr int kBytes = 2;
  static __m256 load8(const uint8_t* w) { return _mm256_cvtph_ps(loadu128(w)); }
  static float load1(const uint8_t* w) { return load_fp16(w); }
};
struct ConvBF16 {
  static constexpr int kBytes = 2;
  static __m256 load8(const uint8_t* w) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(loadu128(w)), 16));
  }
  static float load1(const uint8_t* w) {
    uint16_t h;
    std::memcpy(&h, w, 2);
    return bf16_to_float(h);
  }
};

template <class Conv>
struct FloatKernel {
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    __m256 a0[NT], a1[NT];
    const float* xr[NT];
    for (int t = 0; t < NT; ++t) a0[t] = a1[t] = _mm256_setzero_ps(), xr[t] = x.f32(t);
    int64_t c = 0;
    for (; c + 16 <= x.cols; c += 16) {
      const __m256 w0 = Conv::load8(w + c * Conv::kBytes), w1 = Conv::load8(w + (c + 8) * Conv::kBytes);
      for (int t = 0; t < NT; ++t) {
        a0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xr[t] + c), a0[t]);
        a1[t] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xr[t] + c + 8), a1[t]);
      }
    }
    for (; c + 8 <= x.cols; c += 8) {
      const __m256 w0 = Conv::load8(w + c * Conv::kBytes);
      for (int t = 0; t < NT; ++t) a0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xr[t] + c), a0[t]);
    }
    for (int t = 0; t < NT; ++t) {
      float s = hsum_ps(_mm256_add_ps(a0[t], a1[t]));
      for (int64_t i = c; i < x.cols; ++i) s += Conv::load1(w + i * Conv::kBytes) * xr[t][i];
      out[t] = s;
    }
  }
};

}  // namespace
}  // namespace frugal::kernels
