// AVX2 dot products of int8 code rows with float vectors (TransposedCodes::apply).
#include <immintrin.h>

#include "kernels/transposed_codes.h"
#include "kernels/x86/x86_common.h"

namespace frugal::kernels {

namespace {
__m256 codes8(const int8_t* p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}
}  // namespace

void codes_dot_avx2(const int8_t* codes, int64_t rows, const float* xs, float b, float* y, int64_t n_cols) {
  for (int64_t c = 0; c < n_cols; ++c, codes += rows) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t r = 0;
    for (; r + 16 <= rows; r += 16) {
      acc0 = _mm256_fmadd_ps(codes8(codes + r), _mm256_loadu_ps(xs + r), acc0);
      acc1 = _mm256_fmadd_ps(codes8(codes + r + 8), _mm256_loadu_ps(xs + r + 8), acc1);
    }
    for (; r < rows; r += 8) acc0 = _mm256_fmadd_ps(codes8(codes + r), _mm256_loadu_ps(xs + r), acc0);
    y[c] = b + hsum_ps(_mm256_add_ps(acc0, acc1));
  }
}

}  // namespace frugal::kernels
