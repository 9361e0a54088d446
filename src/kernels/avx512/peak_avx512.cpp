// AVX-512 VNNI arithmetic peak (vpdpbusd on 512-bit registers, 16 independent accumulators
// enough to cover its latency on Zen 4 and Ice Lake class cores) and the 64-byte-load read loop.
#pragma GCC target("no-avxvnni,no-avx512bf16")
// GCC 12 flags the self-initialised "undefined" vectors inside its AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "kernels/peak.h"

namespace frugal::kernels {

uint64_t int8_macs_avx512(int64_t iters) {
  constexpr int kAcc = 16;
  __m512i acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = _mm512_set1_epi32(i);
  __m512i u = _mm512_set1_epi8(3), s = _mm512_set1_epi8(-5);
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < kAcc; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], u, s);
    __asm__ volatile("" : "+v"(u), "+v"(s));  // keep the operands live and the loop real
  }
  __m512i sum = acc[0];
  for (int i = 1; i < kAcc; ++i) sum = _mm512_add_epi32(sum, acc[i]);
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, sum);
  volatile uint32_t sink = uint32_t(lanes[0]) + uint32_t(lanes[15]);  // the sums wrap: add unsigned
  (void)sink;
  return uint64_t(iters) * kAcc * 64;
}

uint64_t read_all_avx512(const uint8_t* p, uint64_t n) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (uint64_t i = 0; i + 256 <= n; i += 256) {
    a0 = _mm512_xor_si512(a0, _mm512_load_si512(p + i));
    a1 = _mm512_xor_si512(a1, _mm512_load_si512(p + i + 64));
    a2 = _mm512_xor_si512(a2, _mm512_load_si512(p + i + 128));
    a3 = _mm512_xor_si512(a3, _mm512_load_si512(p + i + 192));
  }
  const __m512i a = _mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3));
  const __m256i h = _mm256_xor_si256(_mm512_castsi512_si256(a), _mm512_extracti64x4_epi64(a, 1));
  const __m128i q = _mm_xor_si128(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  return uint64_t(_mm_cvtsi128_si64(q)) ^ uint64_t(_mm_extract_epi64(q, 1));
}

}  // namespace frugal::kernels
