// x86 row-dot kernels for the low-bit K formats Q2_K and Q3_K, and IQ4_XS, against Q8_256 activations,
// templated on the ISA's integer-dot operations (Ops). Same linkage rules as x86_common.h.
// Both keep 16 sub-blocks of 16 values: per half h of a block, one 32-byte load of qs gives the
// codes of quarter k (elements 128h + 32k .. + 31, sub-blocks 8h + 2k and 8h + 2k + 1) as bits
// 2k..2k+1 of every byte, so each 128-bit lane of a code vector has one sub-block and one scale.
#pragma once

#include "kernels/quant/blocks.h"
#include "kernels/x86/x86_kquants.h"

namespace frugal::kernels {
namespace {

// The 2-bit codes of quarter k from a half's 32 qs bytes.
inline __m256i low2_codes(__m256i raw, int k) {
  return _mm256_and_si256(_mm256_srli_epi16(raw, 2 * k), _mm256_set1_epi8(3));
}

// Scales 8h .. 8h + 7 of a 16 x int16 scale vector, in both 128-bit lanes.
inline __m256i half_scales(__m256i sc16, int h) {
  return h == 0 ? _mm256_permute2x128_si256(sc16, sc16, 0x00) : _mm256_permute2x128_si256(sc16, sc16, 0x11);
}

// Q2_K: x = d * (s & 15) * q - dmin * (s >> 4) per sub-block, q in [0, 3].
template <class Ops>
struct Q2KKernel {
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    const __m128i low4 = _mm_set1_epi8(0x0F);
    const int64_t nb = x.cols / kQKK;
    for (int64_t b = 0; b < nb; ++b, w += sizeof(BlockQ2_K)) {
      const float d = load_fp16(w + 80), dmin = load_fp16(w + 82);
      const __m128i s8 = loadu128(w);
      const __m256i sc16 = _mm256_cvtepu8_epi16(_mm_and_si128(s8, low4));
      const __m256i m16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(s8, 4), low4));
      __m256i isum[2][NT];  // one chain per half, per token
      for (int t = 0; t < NT; ++t) isum[0][t] = isum[1][t] = _mm256_setzero_si256();
      for (int h = 0; h < 2; ++h) {
        const __m256i raw = loadu256(w + 16 + 32 * h), hs = half_scales(sc16, h);
        for (int k = 0; k < 4; ++k) {
          const __m256i q = low2_codes(raw, k), s = broadcast_lanes16(hs, 2 * k, 2 * k + 1);
          for (int t = 0; t < NT; ++t) {
            const __m256i xv = loadu256(x.qs(t) + kQKK * b + 128 * h + 32 * k);
            isum[h][t] = Ops::dot_i16(isum[h][t], _mm256_maddubs_epi16(q, xv), s);
          }
        }
      }
      for (int t = 0; t < NT; ++t) {
        const float dx = x.d(t)[b];
        const __m256i msum = _mm256_madd_epi16(loadu256(x.bsums(t) + 16 * b), m16);
        const __m256i total = _mm256_add_epi32(isum[0][t], isum[1][t]);
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(d * dx), acc[t]);
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(-dmin * dx), acc[t]);
      }
    }
    for (int t = 0; t < NT; ++t) out[t] = hsum_ps(acc[t]);
  }
};

// The 16 Q3_K scales (sc - 32, see unpack_q3_scales) from the 12 bytes at s, as int16.
inline __m256i q3_scales16(const uint8_t* s) {
  uint32_t a[3];
  std::memcpy(a, s, 12);
  const uint32_t m4 = 0x0F0F0F0F, m2 = 0x03030303;
  const __m128i v = _mm_setr_epi32(int((a[0] & m4) | (a[2] & m2) << 4), int((a[1] & m4) | ((a[2] >> 2) & m2) << 4),
                                   int(((a[0] >> 4) & m4) | ((a[2] >> 4) & m2) << 4),
                                   int(((a[1] >> 4) & m4) | ((a[2] >> 6) & m2) << 4));
  return _mm256_cvtepi8_epi16(_mm_sub_epi8(v, _mm_set1_epi8(32)));
}

// Q3_K: x = d * sc * (q - 4) per sub-block, q in [0, 7]; the -4 enters as -4 * sum_j sc_j *
// bsum_j, as Q6_K's -32.
template <class Ops>
struct Q3KKernel {
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    const __m256i one = _mm256_set1_epi8(1);
    const int64_t nb = x.cols / kQKK;
    for (int64_t b = 0; b < nb; ++b, w += sizeof(BlockQ3_K)) {
      const float d = load_fp16(w + 108);
      const __m256i sc16 = q3_scales16(w + 96), hmask = loadu256(w);
      __m256i isum[2][NT];
      for (int t = 0; t < NT; ++t) {
        const __m256i off = _mm256_madd_epi16(loadu256(x.bsums(t) + 16 * b), sc16);
        isum[0][t] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(off, 2));
        isum[1][t] = _mm256_setzero_si256();
      }
      for (int h = 0; h < 2; ++h) {
        const __m256i raw = loadu256(w + 32 + 32 * h), hs = half_scales(sc16, h);
        for (int k = 0; k < 4; ++k) {
          // Bit 4h + k of each hmask byte -> 4, added to the low two bits.
          const __m256i high = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hmask, 4 * h + k), one), 2);
          const __m256i q = _mm256_or_si256(low2_codes(raw, k), high), s = broadcast_lanes16(hs, 2 * k, 2 * k + 1);
          for (int t = 0; t < NT; ++t) {
            const __m256i xv = loadu256(x.qs(t) + kQKK * b + 128 * h + 32 * k);
            isum[h][t] = Ops::dot_i16(isum[h][t], _mm256_maddubs_epi16(q, xv), s);
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

// IQ4_XS: per 32-value sub-block the grid values (signed: |q| times x with q's sign) and the
// sub-block's scale ls - 32 applied by the int16 dot.
template <class Ops>
struct IQ4XSKernel {
  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    const __m256i grid = _mm256_broadcastsi128_si256(loadu128(kIq4Values));
    const int64_t nb = x.cols / kQKK;
    for (int64_t b = 0; b < nb; ++b, w += sizeof(BlockIQ4_XS)) {
      const float d = load_fp16(w);
      __m256i isum[NT];
      for (int t = 0; t < NT; ++t) isum[t] = _mm256_setzero_si256();
      for (int j = 0; j < 8; ++j) {
        const __m256i q = _mm256_shuffle_epi8(grid, unpack_nibbles16(w + 8 + 16 * j));
        const __m256i u = _mm256_sign_epi8(q, q), s = _mm256_set1_epi16(int16_t(iq4xs_scale_at(w, j)));
        for (int t = 0; t < NT; ++t) {
          const __m256i xv = _mm256_sign_epi8(loadu256(x.qs(t) + kQKK * b + 32 * j), q);
          isum[t] = Ops::dot_i16(isum[t], _mm256_maddubs_epi16(u, xv), s);
        }
      }
      for (int t = 0; t < NT; ++t)
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), _mm256_set1_ps(d * x.d(t)[b]), acc[t]);
    }
    for (int t = 0; t < NT; ++t) out[t] = hsum_ps(acc[t]);
  }
};

}  // namespace
}  // namespace frugal::kernels
