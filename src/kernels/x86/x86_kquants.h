// x86 row-dot kernels for the K formats Q4_K, Q5_K and Q6_K against Q8_256 activations,
// templated on the ISA's integer-dot operations (Ops). Same linkage rules as x86_common.h.
#pragma once

#include "kernels/quant/blocks.h"
#include "kernels/x86/x86_common.h"

namespace frugal::kernels {
namespace {

// The 12 scale bytes of Q4_K/Q5_K (s points at them; 16 bytes must be readable) ->
// 8 scales (bytes 0..7) and 8 mins (bytes 8..15). With a0, a1, a2 the three little-endian
// words: scales 0-3 = a0 & 63, mins 0-3 = a1 & 63, scales 4-7 = (a2 & 15) | (a0 >> 6) << 4,
// mins 4-7 = (a2 >> 4) | (a1 >> 6) << 4 (per byte).
inline __m128i unpack_k4_scales_simd(const uint8_t* s) {
  const __m128i v = loadu128(s);
  const __m128i a = _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0));  // a0 a2 a1 a2
  const __m128i b = _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0));  // a0 a0 a1 a1
  const __m128i low = _mm_and_si128(_mm_srlv_epi32(a, _mm_setr_epi32(0, 0, 0, 4)),
                                    _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
  const __m128i high = _mm_and_si128(_mm_srli_epi32(b, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
  return _mm_or_si128(low, high);
}

// Shuffle masks: int16 lane k of a broadcast 8 x int16 vector into all 16 lanes.
inline __m256i broadcast_lane16(__m256i v8, int k) {
  const __m256i idx = _mm256_set1_epi16(int16_t((2 * k + 1) << 8 | 2 * k));
  return _mm256_shuffle_epi8(v8, idx);
}
// Low 128 bits get int16 lane a, high 128 bits lane b.
inline __m256i broadcast_lanes16(__m256i v8, int a, int b) {
  const __m256i idx = _mm256_set_m128i(_mm_set1_epi16(int16_t((2 * b + 1) << 8 | 2 * b)),
                                       _mm_set1_epi16(int16_t((2 * a + 1) << 8 | 2 * a)));
  return _mm256_shuffle_epi8(v8, idx);
}

// Q4_K (kHigh = false) and Q5_K (kHigh = true).
template <class Ops, bool kHigh>
struct KAffineKernel {
  static constexpr int kBytes = kHigh ? 176 : 144, kQs = kHigh ? 48 : 16;
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const int64_t nb = x.cols / kQKK;
    for (int64_t b = 0; b < nb; ++b, w += kBytes) {
      const float d = load_fp16(w), dmin = load_fp16(w + 2);
      const __m128i sm8 = unpack_k4_scales_simd(w + 4);
      const __m256i sc16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm8));
      // Each min twice, to pair with the 16 per-16 activation sums.
      const __m128i mdup = _mm_shuffle_epi8(sm8, _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15));
      const __m256i m16 = _mm256_cvtepu8_epi16(mdup);
      __m256i hbits = _mm256_setzero_si256();
      if constexpr (kHigh) hbits = loadu256(w + 16);
      __m256i isum[NT], isum2[NT];  // two chains per token
      for (int t = 0; t < NT; ++t) isum[t] = isum2[t] = _mm256_setzero_si256();
      for (int c = 0; c < 4; ++c) {
        const __m256i raw = loadu256(w + kQs + 32 * c);
        __m256i lo = _mm256_and_si256(raw, low4), hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low4);
        if constexpr (kHigh) {
          lo = Ops::add_qh_bit(lo, hbits, 2 * c);
          hi = Ops::add_qh_bit(hi, hbits, 2 * c + 1);
        }
        const __m256i s_lo = broadcast_lane16(sc16, 2 * c), s_hi = broadcast_lane16(sc16, 2 * c + 1);
        for (int t = 0; t < NT; ++t) {
          const int8_t* q = x.qs(t) + kQKK * b + 64 * c;
          isum[t] = Ops::dot_i16(isum[t], _mm256_maddubs_epi16(lo, loadu256(q)), s_lo);
          isum2[t] = Ops::dot_i16(isum2[t], _mm256_maddubs_epi16(hi, loadu256(q + 32)), s_hi);
        }
      }
      for (int t = 0; t < NT; ++t) {
        const float dx = x.d(t)[b];
        const __m256i msum = _mm256_madd_epi16(loadu256(x.bsums(t) + 16 * b), m16);
        const __m256i total = _mm256_add_epi32(isum[t], isum2[t]);
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(d * dx), acc[t]);
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(-dmin * dx), acc[t]);
      }
    }
    for (int t = 0; t < NT; ++t) out[t] = hsum_ps(acc[t]);
  }
};

template <class Ops>
struct Q6KKernel {
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    const __m256i low4 = _mm256_set1_epi8(0x0F), top2 = _mm256_set1_epi8(0x30);
    const int64_t nb = x.cols / kQKK;
    for (int64_t b = 0; b < nb; ++b, w += 210) {
      const float d = load_fp16(w + 208);
      const __m256i sc16 = _mm256_cvtepi8_epi16(loadu128(w + 192));
      __m256i isum[2][NT];  // one chain per half, per token
      for (int t = 0; t < NT; ++t) {  // the -32 offset: -32 * sum_j sc_j * bsum_j
        const __m256i off = _mm256_madd_epi16(loadu256(x.bsums(t) + 16 * b), sc16);
        isum[0][t] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(off, 5));
        isum[1][t] = _mm256_setzero_si256();
      }
      for (int h = 0; h < 2; ++h) {
        const __m256i ql0 = loadu256(w + 64 * h), ql1 = loadu256(w + 64 * h + 32), qh = loadu256(w + 128 + 32 * h);
        __m256i q[4];
        q[0] = _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), top2));
        q[1] = _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), top2));
        q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_and_si256(qh, top2));
        q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                               _mm256_and_si256(_mm256_srli_epi16(qh, 2), top2));
        const __m256i half_sc = h == 0 ? _mm256_permute2x128_si256(sc16, sc16, 0x00)
                                       : _mm256_permute2x128_si256(sc16, sc16, 0x11);
        for (int k = 0; k < 4; ++k) {
          const __m256i s = broadcast_lanes16(half_sc, 2 * k, 2 * k + 1);
          for (int t = 0; t < NT; ++t) {
            const __m256i xv = loadu256(x.qs(t) + kQKK * b + 128 * h + 32 * k);
            isum[h][t] = Ops::dot_i16(isum[h][t], _mm256_maddubs_epi16(q[k], xv), s);
          }
        }
      }
      for (int t = 0; t < NT; ++t)
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(isum[0][t], isum[1][t])),
                                 _mm256_set1_ps(d * x.d(t)[b]), acc[t]);
    }
    for (int t = 0; t < NT; ++t) out[t] = hsum_ps(acc[t]);
  }
};

}  // namespace
}  // namespace frugal::kernels
