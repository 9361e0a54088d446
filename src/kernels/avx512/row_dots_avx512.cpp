// AVX-512 row-dot kernels: VNNI (vpdpbusd / vpdpwssd) integer dots and mask-register bit
// expansion on 256-bit vectors.
// This folder is compiled with -mavxvnni too, and GCC then prefers the VEX (AVX-VNNI) form of
// vpdpbusd, which CPUs such as Zen 4 and Ice Lake lack. Switch it off so only AVX512-VNNI
// (EVEX) encodings are emitted; BF16 instructions are not used either.
#pragma GCC target("no-avxvnni,no-avx512bf16")
#include "kernels/x86/x86_float.h"
#include "kernels/x86/x86_kquants.h"
#include "kernels/x86/x86_kquants_low.h"
#include "kernels/x86/x86_legacy.h"

namespace frugal::kernels {

namespace {

struct Avx512Ops {
  static __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) { return _mm256_dpbusd_epi32(acc, u, s); }
  static __m256i dot_i16(__m256i acc, __m256i a, __m256i b) { return _mm256_dpwssd_epi32(acc, a, b); }
  static __m256i add_bit4(__m256i codes, uint32_t bits) {
    return _mm256_mask_add_epi8(codes, __mmask32(bits), codes, _mm256_set1_epi8(0x10));
  }
  static __m256i add_qh_bit(__m256i codes, __m256i qh, int bit) {
    const __mmask32 m = _mm256_test_epi8_mask(qh, _mm256_set1_epi8(char(1 << bit)));
    return _mm256_mask_add_epi8(codes, m, codes, _mm256_set1_epi8(0x10));
  }
};

}  // namespace

RowDotFn avx512_row_dot(GgmlType t) {
  using O = Avx512Ops;
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
