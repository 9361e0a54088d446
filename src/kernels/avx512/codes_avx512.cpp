// AVX-512 dot products of int8 code rows with float vectors (TransposedCodes::apply).
#pragma GCC target("no-avxvnni,no-avx512bf16")
// GCC 12 flags the self-initialised "undefined" vectors inside its AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "kernels/transposed_codes.h"

namespace frugal::kernels {

void codes_dot_avx512(const int8_t* codes, int64_t rows, const float* xs, float b, float* y, int64_t n_cols) {
  for (int64_t c = 0; c < n_cols; ++c, codes += rows) {
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t r = 0;
    for (; r + 32 <= rows; r += 32) {
      const __m512i q0 = _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + r)));
      const __m512i q1 = _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + r + 16)));
      acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(q0), _mm512_loadu_ps(xs + r), acc0);
      acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(q1), _mm512_loadu_ps(xs + r + 16), acc1);
    }
    for (; r < rows; r += 16) {
      const __m512i q = _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + r)));
      acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(q), _mm512_loadu_ps(xs + r), acc0);
    }
    y[c] = b + _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
  }
}

}  // namespace frugal::kernels
