// AVX2 arithmetic peak (the instruction sequence the AVX2 kernels use for 8-bit dots:
// vpmaddubsw, vpmaddwd with ones, vpaddd; 12 independent chains) and the 32-byte-load read loop.
#include <immintrin.h>

#include "kernels/peak.h"

namespace frugal::kernels {

uint64_t int8_macs_avx2(int64_t iters) {
  constexpr int kAcc = 12;
  __m256i acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = _mm256_set1_epi32(i);
  __m256i u = _mm256_set1_epi8(3), s = _mm256_set1_epi8(-5);
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < kAcc; ++i)
      acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones));
    __asm__ volatile("" : "+x"(u), "+x"(s));  // keep the operands live and the loop real
  }
  __m256i sum = acc[0];
  for (int i = 1; i < kAcc; ++i) sum = _mm256_add_epi32(sum, acc[i]);
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), sum);
  volatile int32_t sink = lanes[0] + lanes[7];
  (void)sink;
  return uint64_t(iters) * kAcc * 32;
}

uint64_t read_all_avx2(const uint8_t* p, uint64_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (uint64_t i = 0; i + 128 <= n; i += 128) {
    a0 = _mm256_xor_si256(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_xor_si256(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    a2 = _mm256_xor_si256(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 64)));
    a3 = _mm256_xor_si256(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 96)));
  }
  const __m256i a = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
  const __m128i q = _mm_xor_si128(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
  return uint64_t(_mm_cvtsi128_si64(q)) ^ uint64_t(_mm_extract_epi64(q, 1));
}

}  // namespace frugal::kernels
