// AVX-512 VNNI Rows16 micro-kernels for the 4/5-bit 32-value block formats Q4_0, Q4_1, Q5_0
// and Q5_1: per block, 4 code vectors give 8 unsigned code vectors (low / high nibbles, plus
// the fifth bit from a qh vector) that vpdpbusd multiplies by broadcast activations.
#pragma GCC target("no-avxvnni,no-avx512bf16")  // EVEX vpdpbusd only (see row_dots_avx512.cpp)
// GCC 12 flags the self-initialised "undefined" vectors inside its AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "kernels/avx512/rows16_common.h"
#include "kernels/quant/blocks.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

namespace {

template <class F, int NT>
struct LegacyRows16 {
  // sum_b dx * (d * sum(q x) + coef * sum(x)) with coef = m or -kZero * d; the sums of x come
  // with the activations (x.sum32 = dx * sum of the block's codes).
  static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    __m512 acc[NT], corr[NT];
#pragma GCC unroll 16
    for (int t = 0; t < NT; ++t) acc[t] = corr[t] = _mm512_setzero_ps();
    g += b0 * F::kGroup;
    for (int64_t b = b0; b < b1; ++b, g += F::kGroup) {
      if (NT <= 2) prefetch_ahead(g, F::kGroup);
      __m512i s[NT];
      const int8_t* xq[NT];
#pragma GCC unroll 16
      for (int t = 0; t < NT; ++t) s[t] = _mm512_setzero_si512(), xq[t] = x.qs(t) + kQK * b;
      __m512i qh = _mm512_setzero_si512();
      if constexpr (F::kHigh) qh = load512(g + F::kQh);
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {
        const __m512i raw = load512(g + F::kQs + 64 * k);
        __m512i lo = _mm512_and_si512(raw, m4), hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
        if constexpr (F::kHigh) {  // bit u of qh byte i: fifth bit of element 4u + i
          const __mmask64 ml = _mm512_test_epi8_mask(qh, _mm512_set1_epi8(char(1 << k)));
          const __mmask64 mh = _mm512_test_epi8_mask(qh, _mm512_set1_epi8(char(1 << (4 + k))));
          lo = _mm512_mask_add_epi8(lo, ml, lo, _mm512_set1_epi8(16));
          hi = _mm512_mask_add_epi8(hi, mh, hi, _mm512_set1_epi8(16));
        }
#pragma GCC unroll 16
        for (int t = 0; t < NT; ++t) {
          s[t] = _mm512_dpbusd_epi32(s[t], lo, bcast4(xq[t] + 4 * k));
          s[t] = _mm512_dpbusd_epi32(s[t], hi, bcast4(xq[t] + 16 + 4 * k));
        }
      }
      const __m512 d = load_fp16x16(g);
      __m512 coef;
      if constexpr (F::kMin) coef = load_fp16x16(g + 32);
      else coef = _mm512_mul_ps(d, _mm512_set1_ps(-float(F::kZero)));
#pragma GCC unroll 16
      for (int t = 0; t < NT; ++t) {
        acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[t]), _mm512_mul_ps(d, _mm512_set1_ps(x.d(t)[b])), acc[t]);
        corr[t] = _mm512_fmadd_ps(coef, _mm512_set1_ps(x.sum32(t)[b]), corr[t]);
      }
    }
#pragma GCC unroll 16
    for (int t = 0; t < NT; ++t) _mm512_storeu_ps(y + t * ldy, _mm512_add_ps(acc[t], corr[t]));
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

Rows16Fn avx512_rows16_legacy(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_0: return by_tile_rows16<Q4_0Rows16>;
    case GgmlType::Q4_1: return by_tile_rows16<Q4_1Rows16>;
    case GgmlType::Q5_0: return by_tile_rows16<Q5_0Rows16>;
    case GgmlType::Q5_1: return by_tile_rows16<Q5_1Rows16>;
    default: return nullptr;
  }
}

}  // namespace frugal::kernels
