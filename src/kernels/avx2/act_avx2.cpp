// AVX2 activation quantization (the driver: simd/act_quant.h), bit-identical to
// quantize_act_row.
#include <immintrin.h>

#include <limits>

#include "kernels/act.h"
#include "kernels/simd/act_quant.h"

namespace frugal::kernels {

namespace {

struct Avx2ActQuant {
  // n: a multiple of 8.
  static float absmax(const float* x, int n, bool* bad) {
    const __m256 sign = _mm256_set1_ps(-0.0f), inf = _mm256_set1_ps(std::numeric_limits<float>::infinity());
    __m256 m = _mm256_setzero_ps(), nonfinite = _mm256_setzero_ps();
    for (int i = 0; i < n; i += 8) {
      const __m256 a = _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i));
      m = _mm256_max_ps(m, a);
      nonfinite = _mm256_or_ps(nonfinite, _mm256_cmp_ps(a, inf, _CMP_NLT_UQ));  // inf or NaN
    }
    *bad = _mm256_movemask_ps(nonfinite) != 0;
    __m128 r = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    r = _mm_max_ps(r, _mm_movehl_ps(r, r));
    r = _mm_max_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
  }

  static int quantize32(const float* x, float id, int8_t* q, int16_t* sums16) {
    const __m256 vid = _mm256_set1_ps(id);
    __m256i i32[4];
    for (int k = 0; k < 4; ++k) i32[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), vid));
    const __m256i a = _mm256_packs_epi32(i32[0], i32[1]), b = _mm256_packs_epi32(i32[2], i32[3]);
    const __m256i bytes =
        _mm256_permutevar8x32_epi32(_mm256_packs_epi16(a, b), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), bytes);
    const __m256i s16 = _mm256_maddubs_epi16(_mm256_set1_epi8(1), bytes);  // pairs of int8 -> int16
    const __m256i s32 = _mm256_madd_epi16(s16, _mm256_set1_epi16(1));        // 8 sums of 4
    // Lanes 0-3 cover values 0..15, lanes 4-7 values 16..31.
    const __m128i lo = _mm256_castsi256_si128(s32), hi = _mm256_extracti128_si256(s32, 1);
    __m128i h = _mm_hadd_epi32(lo, hi);  // [0-7, 8-15, 16-23, 24-31]
    h = _mm_hadd_epi32(h, h);            // [0-15, 16-31, ...]
    const int s0 = _mm_cvtsi128_si32(h), s1 = _mm_extract_epi32(h, 1);
    if (sums16) sums16[0] = int16_t(s0), sums16[1] = int16_t(s1);
    return s0 + s1;
  }
};

}  // namespace

void quantize_act_row_avx2(ActKind kind, const float* x, int64_t cols, uint8_t* dst) {
  quantize_act_row_with<Avx2ActQuant>(kind, x, cols, dst);
}

}  // namespace frugal::kernels
