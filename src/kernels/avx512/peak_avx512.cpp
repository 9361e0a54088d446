// AVX-512 VNNI arithmetic peak: vpdpbusd on 512-bit registers, 16 independent accumulators
// (enough to cover the instruction's latency on Zen 4 and Ice Lake class cores).
#pragma GCC target("no-avxvnni,no-avx512bf16")
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
  volatile int32_t sink = lanes[0] + lanes[15];
  (void)sink;
  return uint64_t(iters) * kAcc * 64;
}

}  // namespace frugal::kernels
