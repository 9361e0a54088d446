// AVX2 + FMA + F16C row-dot kernels: maddubs/madd integer dots, F16C float conversion.
#include "kernels/x86/x86_float.h"
#include "kernels/x86/x86_kquants.h"
#include "kernels/x86/x86_kquants_low.h"
#include "kernels/x86/x86_legacy.h"

namespace frugal::kernels {

namespace {

struct Avx2Ops {
  // acc + per-int32-lane sums of four u8 * s8 products (no overflow for |u * s| < 2^14).
  static __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
  }
  // acc + pairwise int16 products.
  static __m256i dot_i16(__m256i acc, __m256i a, __m256i b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
  // codes | 16 where bit j of `bits` is set (Q5_0 / Q5_1).
  static __m256i add_bit4(__m256i codes, uint32_t bits) {
    return _mm256_or_si256(codes, _mm256_and_si256(bits_to_bytes(bits), _mm256_set1_epi8(0x10)));
  }
  // codes | 16 where bit `bit` of the matching qh byte is set (Q5_K).
  static __m256i add_qh_bit(__m256i codes, __m256i qh, int bit) {
    const __m256i m = _mm256_set1_epi8(char(1 << bit));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(qh, m), m);
    return _mm256_or_si256(codes, _mm256_and_si256(set, _mm256_set1_epi8(0x10)));
  }
};

}  // namespace

RowDotFn avx2_row_dot(GgmlType t) {
  using O = Avx2Ops;
  switch (t) {
    case GgmlType::F32: return by_tile<FloatKernel<ConvF32>>;
    case GgmlType::F16: return by_tile<FloatKernel<ConvF16>>;
    case GgmlType::BF16: return by_tile<FloatKernel<ConvBF16>>;
    case GgmlType::Q4_0: return by_tile<LegacyKernel<O, LegacyQ4_0>>;
    case GgmlType::Q4_1: return by_tile<LegacyKernel<O, LegacyQ4_1>>;
    case GgmlType::Q5_0: return by_tile<LegacyKernel<O, LegacyQ5_0>>;
    case GgmlType::Q5_1: return by_tile<LegacyKernel<O, LegacyQ5_1>>;
    case GgmlType::Q8_0: return by_tile<LegacyKernel<O, LegacyQ8_0>>;
    case GgmlType::Q4_K: return by_tile<KAffineKernel<O, false>>;
    case GgmlType::Q5_K: return by_tile<KAffineKernel<O, true>>;
    case GgmlType::Q6_K: return by_tile<Q6KKernel<O>>;
    case GgmlType::Q2_K: return by_tile<Q2KKernel<O>>;
    case GgmlType::Q3_K: return by_tile<Q3KKernel<O>>;
    case GgmlType::IQ4_NL: return by_tile<LegacyKernel<O, LegacyIQ4_NL>>;
    case GgmlType::IQ4_XS: return by_tile<IQ4XSKernel<O>>;
    default: return nullptr;
  }
}

}  // namespace frugal::kernels
