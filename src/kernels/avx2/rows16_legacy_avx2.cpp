// AVX2 Rows16 micro-kernels for the 4/5-bit 32-value block formats Q4_0, Q4_1, Q5_0 and Q5_1:
// per block, 4 code vectors give 8 unsigned code vectors (low / high nibbles, plus the fifth bit
// from a qh vector) that vpmaddubsw multiplies by broadcast activations. 4-bit codes: a lane is at
// most 2 * 15 * 127 = 3810, so a block's 8 products share one int16 sum (30480); 5-bit codes
// (lanes up to 7874) keep the low and high nibbles' 4 products each in a sum of their own.
#include "kernels/avx2/rows16_avx2_common.h"
#include "kernels/quant/blocks.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

namespace {

template <class F, int NT>
struct LegacyRows16 {
  static constexpr int kSums = F::kHigh ? 2 : 1;  // int16 sums per token and half
  static constexpr int kH = NT <= 2 ? 2 : 1;      // halves per pass (registers)

  // sum_b dx * (d * sum(q x) + coef * sum(x)) with coef = m or -kZero * d; the sums of x come
  // with the activations (x.sum32 = dx * sum of the block's codes). Decode passes take both
  // halves, larger tiles one half per pass over the blocks; either way the float sums stay in
  // registers across blocks and y is written once. Against loading, adding and storing y per
  // block: prompt shapes x1.16-1.22 for Q4_0 and Q5_1 (medians of 9 back-to-back pairs, one thread).
  static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    for (int h0 = 0; h0 < 2; h0 += kH) pass(g, x, b0, b1, y, ldy, h0);
  }

  static void pass(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy, int h0) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), b4 = _mm256_set1_epi8(0x10), ones = _mm256_set1_epi16(1);
    g += b0 * F::kGroup;
    __m256 acc[NT][kH];
    for (int t = 0; t < NT; ++t)
      for (int h = 0; h < kH; ++h) acc[t][h] = _mm256_setzero_ps();
    for (int64_t b = b0; b < b1; ++b, g += F::kGroup) {
      if (NT <= 2) prefetch_ahead(g, F::kGroup);
      const int8_t* xq[NT];
      for (int t = 0; t < NT; ++t) xq[t] = x.qs(t) + kQK * b;
      __m256i s[NT][kH][kSums], qh[kH];
      for (int t = 0; t < NT; ++t)
        for (int i = 0; i < kH * kSums; ++i) s[t][i / kSums][i % kSums] = _mm256_setzero_si256();
      if constexpr (F::kHigh)
        for (int h = 0; h < kH; ++h) qh[h] = load256(g + F::kQh + 32 * (h0 + h));
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {
        __m256i lo[kH], hi[kH];
        for (int h = 0; h < kH; ++h) {
          const __m256i raw = load256(g + F::kQs + 64 * k + 32 * (h0 + h));
          lo[h] = _mm256_and_si256(raw, m4), hi[h] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
          if constexpr (F::kHigh) {  // bit u of qh byte i: fifth bit of element 4u + i (u = k, 4 + k)
            lo[h] = _mm256_or_si256(lo[h], _mm256_and_si256(_mm256_slli_epi16(qh[h], 4 - k), b4));
            hi[h] = _mm256_or_si256(hi[h], _mm256_and_si256(_mm256_srli_epi16(qh[h], k), b4));
          }
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
          const __m256i xl = bcast4(xq[t] + 4 * k), xh = bcast4(xq[t] + 16 + 4 * k);
          for (int h = 0; h < kH; ++h) {
            s[t][h][0] = dot16(s[t][h][0], lo[h], xl);
            s[t][h][kSums - 1] = dot16(s[t][h][kSums - 1], hi[h], xh);
          }
        }
      }
      for (int h = 0; h < kH; ++h) {
        const __m256 d = load_fp16x8(g + 16 * (h0 + h));
        __m256 coef;
        if constexpr (F::kMin) coef = load_fp16x8(g + 32 + 16 * (h0 + h));
        else coef = _mm256_mul_ps(d, _mm256_set1_ps(-float(F::kZero)));
        for (int t = 0; t < NT; ++t) {
          __m256i si = _mm256_madd_epi16(s[t][h][0], ones);
          if constexpr (F::kHigh && kSums > 1) si = _mm256_add_epi32(si, _mm256_madd_epi16(s[t][h][kSums - 1], ones));
          const __m256 dd = _mm256_mul_ps(d, _mm256_set1_ps(x.d(t)[b])), sx = _mm256_set1_ps(x.sum32(t)[b]);
          acc[t][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(si), dd, _mm256_fmadd_ps(coef, sx, acc[t][h]));
        }
      }
    }
    if (b1 > b0)
      for (int t = 0; t < NT; ++t)
        for (int h = 0; h < kH; ++h) _mm256_storeu_ps(y + t * ldy + 8 * (h0 + h), acc[t][h]);
  }
};

template <int NT>
using Q4_0Rows16 = LegacyRows16<Q4_0Rows16Layout, NT>;
template <int NT>
using Q4_1Rows16 = LegacyRows16<Q4_1Rows16Layout, NT>;
template <int NT>
using Q5_0Rows16 = LegacyRows16<Q5_0Rows16Layout, NT>;
template <int NT>
using Q5_1Rows16 = LegacyRows16<Q5_1Rows16Layout, NT>;

}  // namespace

Rows16Fn avx2_rows16_legacy(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_0: return by_tile4<Q4_0Rows16>;
    case GgmlType::Q4_1: return by_tile4<Q4_1Rows16>;
    case GgmlType::Q5_0: return by_tile4<Q5_0Rows16>;
    case GgmlType::Q5_1: return by_tile4<Q5_1Rows16>;
    default: return nullptr;
  }
}

}  // namespace frugal::kernels
