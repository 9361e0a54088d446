// AVX2 arithmetic peak: the fastest exact 8-bit dot sequence of the AVX2 kernels (the Rows16
// K-quant kernels): vpmaddubsw results added in int16 (vpaddw), each 8 widened by one vpmaddwd
// into int32; 6 independent chains. (vpmaddubsw + vpmaddwd by ones per step, the sequence
// before the Rows16 kernels, sustains 0.72 of it on Zen 4 (93.6 against 130.5 G per thread).)
// Also the 32-byte-load read loop.
#include <immintrin.h>

#include "kernels/peak.h"

namespace frugal::kernels {

uint64_t int8_macs_avx2(int64_t iters) {
  constexpr int kAcc = 6;  // 6 sums + 6 accumulators + 3 operands fit the 16 registers
  __m256i acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = _mm256_set1_epi32(i);
  __m256i u = _mm256_set1_epi8(3), s = _mm256_set1_epi8(-5);
  const __m256i scale = _mm256_set1_epi16(7);
  for (int64_t it = 0; it < iters; ++it) {
    __m256i sum[kAcc];
    for (int i = 0; i < kAcc; ++i) sum[i] = _mm256_setzero_si256();
    // Volatile asm: the compiler would otherwise compute the (loop-invariant) product once.
    for (int k = 0; k < 8; ++k)
      for (int i = 0; i < kAcc; ++i) {
        __m256i t;
        __asm__ volatile("vpmaddubsw %[s], %[u], %[t]\n\tvpaddw %[t], %[sum], %[sum]"
                : [sum] "+x"(sum[i]), [t] "=&x"(t)
                : [u] "x"(u), [s] "x"(s));
      }
    for (int i = 0; i < kAcc; ++i) acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(sum[i], scale));
    __asm__ volatile("" : "+x"(u), "+x"(s));  // keep the operands live and the loop real
  }
  __m256i total = acc[0];
  for (int i = 1; i < kAcc; ++i) total = _mm256_add_epi32(total, acc[i]);
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), total);
  volatile uint32_t sink = uint32_t(lanes[0]) + uint32_t(lanes[7]);  // the sums wrap: add unsigned
  (void)sink;
  return uint64_t(iters) * kAcc * 8 * 32;
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
