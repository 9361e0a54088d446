// NEON arithmetic peak: SDOT (16 8-bit multiply-adds into 4 int32 lanes per instruction), the
// dot of the NEON kernels, on 8 independent accumulators. Also the 16-byte-load read loop.
#include <arm_neon.h>

#include "kernels/peak.h"

namespace frugal::kernels {

uint64_t int8_macs_neon(int64_t iters) {
  constexpr int kAcc = 8;
  int32x4_t acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = vdupq_n_s32(i);
  int8x16_t a = vdupq_n_s8(3), b = vdupq_n_s8(-5);
  for (int64_t it = 0; it < iters; ++it) {
    // Volatile asm: the compiler would otherwise compute the (loop-invariant) product once.
    for (int k = 0; k < 4; ++k)
      for (int i = 0; i < kAcc; ++i) __asm__ volatile("sdot %0.4s, %1.16b, %2.16b" : "+w"(acc[i]) : "w"(a), "w"(b));
    __asm__ volatile("" : "+w"(a), "+w"(b));  // keep the operands live and the loop real
  }
  int32x4_t total = acc[0];
  for (int i = 1; i < kAcc; ++i) total = vaddq_s32(total, acc[i]);
  volatile uint32_t sink = uint32_t(vgetq_lane_s32(total, 0));
  (void)sink;
  return uint64_t(iters) * 4 * kAcc * 16;
}

uint64_t read_all_neon(const uint8_t* p, uint64_t n) {
  uint64x2_t a0 = vdupq_n_u64(0), a1 = a0, a2 = a0, a3 = a0;
  for (uint64_t i = 0; i + 64 <= n; i += 64) {
    a0 = veorq_u64(a0, vld1q_u64(reinterpret_cast<const uint64_t*>(p + i)));
    a1 = veorq_u64(a1, vld1q_u64(reinterpret_cast<const uint64_t*>(p + i + 16)));
    a2 = veorq_u64(a2, vld1q_u64(reinterpret_cast<const uint64_t*>(p + i + 32)));
    a3 = veorq_u64(a3, vld1q_u64(reinterpret_cast<const uint64_t*>(p + i + 48)));
  }
  const uint64x2_t a = veorq_u64(veorq_u64(a0, a1), veorq_u64(a2, a3));
  return vgetq_lane_u64(a, 0) ^ vgetq_lane_u64(a, 1);
}

}  // namespace frugal::kernels
