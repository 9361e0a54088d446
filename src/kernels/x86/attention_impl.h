// x86 vector traits (Vec512, Vec256) for the grouped attention body (simd/group_attention.h),
// instantiated in avx512/attention_avx512.cpp and avx2/attention_avx2.cpp. Same linkage rules
// as x86_common.h: everything is in an anonymous namespace and this header is included only
// from those folders, so no AVX-512 instance can leak into the AVX2 build.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/x86_common.h"

namespace frugal::kernels {
namespace {

// The sums of a, b, c and d in lanes 0..3: three horizontal adds for four dots instead of four
// full reductions.
inline __m128 hsum4_256(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 abcd = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));  // per 128-bit half
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// Register budgets: see simd/group_attention.h.
struct Vec256 {
  using V = __m256;
  static constexpr int kWidth = 8;
  static constexpr int kScoreHeads = 2;                    // 8 + 4 + 1 of 16 registers
  static constexpr int kPairHeads = 4;                     // 8 + 2 + 1
  // 12 + 3 + 1 of 16 registers (tiles of 4 x 3 against 4 x 2, one thread: prompt tiles x1.04-1.10,
  // absorbed latent decode x1.03-1.05, GQA decode x0.97-1.07).
  static constexpr int kValueHeads = 4, kValueVecs = 3;
  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V load(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static V load(const int8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  static void store(float* p, V x) { _mm256_storeu_ps(p, x); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
  static V pin(V x) {
    __asm__("" : "+x"(x));
    return x;
  }
  static V round(V x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // p * 2^n for integral n in [-126, 127]: n goes straight into the exponent bits.
  static V ldexp(V p, V n) {
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
  }
  static float hsum(V x) { return hsum_ps(x); }
  static float hmax(V x) { return hmax_ps(x); }
  static void store_sums4(float* out, const V (&v)[4], float scale) {
    _mm_storeu_ps(out, _mm_mul_ps(hsum4_256(v[0], v[1], v[2], v[3]), _mm_set1_ps(scale)));
  }
  static float half(uint16_t h) { return _cvtsh_ss(h); }
  // r[i] <- column i of the 8 x 8 matrix whose rows are r.
  static void transpose(V (&r)[kWidth]) {
    V t[8], u[8];
    for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 2; ++g) {  // u[4g + k], 128-bit half h: column 4h + k of rows 4g .. 4g + 3
      u[4 * g] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(1, 0, 1, 0));
      u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(3, 2, 3, 2));
      u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(1, 0, 1, 0));
      u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int k = 0; k < 4; ++k) {
      r[k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x20);
      r[4 + k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x31);
    }
  }
};

#ifdef __AVX512F__
struct Vec512 {
  using V = __m512;
  static constexpr int kWidth = 16;
  static constexpr int kScoreHeads = 4;                    // 16 + 4 + 1 of 32 registers
  static constexpr int kPairHeads = 8;                     // 16 + 2 + 1
  static constexpr int kValueHeads = 4, kValueVecs = 4;    // 16 + 4 + 1 of 32 registers
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static V load(const uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static V load(const int8_t* p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  static void store(float* p, V x) { _mm512_storeu_ps(p, x); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
  static V pin(V x) {
    __asm__("" : "+v"(x));
    return x;
  }
  static V round(V x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V ldexp(V p, V n) { return _mm512_scalef_ps(p, n); }
  static float hsum(V x) { return _mm512_reduce_add_ps(x); }
  static float hmax(V x) { return _mm512_reduce_max_ps(x); }
  static __m256 fold(V x) { return _mm256_add_ps(_mm512_castps512_ps256(x), _mm512_extractf32x8_ps(x, 1)); }
  static void store_sums4(float* out, const V (&v)[4], float scale) {
    _mm_storeu_ps(out, _mm_mul_ps(hsum4_256(fold(v[0]), fold(v[1]), fold(v[2]), fold(v[3])), _mm_set1_ps(scale)));
  }
  static float half(uint16_t h) { return _cvtsh_ss(h); }
  // r[i] <- column i of the 16 x 16 matrix whose rows are r.
  static void transpose(V (&r)[kWidth]) {
    V t[16], u[16];
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    const auto lo = [](V a, V b) { return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b))); };
    const auto hi = [](V a, V b) { return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b))); };
    for (int g = 0; g < 4; ++g) {  // u[4g + k], 128-bit lane l: column 4l + k of rows 4g .. 4g + 3
      u[4 * g] = lo(t[4 * g], t[4 * g + 2]);
      u[4 * g + 1] = hi(t[4 * g], t[4 * g + 2]);
      u[4 * g + 2] = lo(t[4 * g + 1], t[4 * g + 3]);
      u[4 * g + 3] = hi(t[4 * g + 1], t[4 * g + 3]);
    }
    for (int k = 0; k < 4; ++k) {
      const V a = _mm512_shuffle_f32x4(u[k], u[4 + k], _MM_SHUFFLE(1, 0, 1, 0));
      const V b = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], _MM_SHUFFLE(1, 0, 1, 0));
      const V c = _mm512_shuffle_f32x4(u[k], u[4 + k], _MM_SHUFFLE(3, 2, 3, 2));
      const V d = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], _MM_SHUFFLE(3, 2, 3, 2));
      r[k] = _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(2, 0, 2, 0));
      r[4 + k] = _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 1, 3, 1));
      r[8 + k] = _mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(2, 0, 2, 0));
      r[12 + k] = _mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(3, 1, 3, 1));
    }
  }
};
#endif

}  // namespace
}  // namespace frugal::kernels

#include "kernels/simd/group_attention.h"
