// Helpers for the AVX2 Rows16 micro-kernels (include only from src/kernels/avx2/): one 16-row
// group is two ymm halves of 8 int32 lanes (rows 0-7 and 8-15); activations are broadcast.
#pragma once

#include <cstring>

#include "kernels/x86/rows16_stream.h"

namespace frugal::kernels {
namespace {

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
// 8 fp16 values -> 8 floats.
inline __m256 load_fp16x8(const uint8_t* p) { return _mm256_cvtph_ps(load128(p)); }
// 4 bytes (activation codes, or two int16) broadcast to all 8 lanes.
inline __m256i bcast4(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}
// Makes a running sum opaque to the compiler: GCC 12 otherwise reassociates a chain of integer
// additions into a tree whose partial products do not fit the 16 registers (every product went
// through the stack).
inline __m256i opaque(__m256i acc) {
  __asm__("" : "+x"(acc));
  return acc;
}
// acc (int16) += pairs of u (unsigned) x s (signed) bytes.
inline __m256i dot16(__m256i acc, __m256i u, __m256i s) {
  return opaque(_mm256_add_epi16(acc, _mm256_maddubs_epi16(u, s)));
}
inline void accumulate(float* y, bool first, __m256 v) {
  _mm256_storeu_ps(y, first ? v : _mm256_add_ps(_mm256_loadu_ps(y), v));
}
// Control for vpshufb on 16 bytes broadcast to both 128-bit lanes: lane r of half h gets byte
// 8 h + r zero-extended into both of its int16 halves (a per-row multiplier for vpmaddwd).
inline __m256i dup_bytes_ctrl(int h) {
  const auto dup = [](int i) { return int32_t(uint32_t(i) | 0x8000u | uint32_t(i) << 16 | 0x80000000u); };
  const int o = 8 * h;
  return _mm256_setr_epi32(dup(o), dup(o + 1), dup(o + 2), dup(o + 3), dup(o + 4), dup(o + 5), dup(o + 6), dup(o + 7));
}

constexpr int kTile = 4;  // tokens per pass (16 ymm registers)

// A call's tokens in passes of up to kTile.
template <template <int> class K>
void by_tile4(const uint8_t* g, const ActRows& x, const Rows16Call& c) {
  for (int t0 = 0; t0 < c.nt; t0 += kTile)
    by_tile<K, kTile>(g, x.shifted(t0), {c.b0, c.b1, std::min(kTile, c.nt - t0), c.y + t0 * c.ldy, c.ldy});
}

}  // namespace
}  // namespace frugal::kernels
