// Helpers for the AVX-512 Rows16 micro-kernels (include only from src/kernels/avx512/).
// One zmm holds one int32 lane per weight row of a 16-row group; activations are broadcast.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/kernel_table.h"
#include "kernels/x86/rows16_stream.h"

namespace frugal::kernels {
namespace {

inline __m512i load512(const void* p) { return _mm512_loadu_si512(p); }
inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
// 16 fp16 values -> 16 floats.
inline __m512 load_fp16x16(const uint8_t* p) { return _mm512_cvtph_ps(load256(p)); }
// 4 bytes of activation codes broadcast to all 16 lanes (folds into the instruction's
// {1to16} memory operand).
inline __m512i bcast4(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}
// acc += dot products of 4 unsigned bytes of u with 4 signed bytes of s per int32 lane. As inline
// asm that ties acc to one register: GCC 12 models the intrinsic as a three-operand function and,
// in loops over arrays of accumulators, copies every accumulator twice per instruction.
inline void dpbusd(__m512i& acc, __m512i u, __m512i s) { __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u), "v"(s)); }
// The same with s = 4 bytes at p broadcast to every lane (an embedded broadcast operand).
inline void dpbusd_bcast(__m512i& acc, __m512i u, const void* p) {
  __asm__("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(u), "m"(*static_cast<const int32_t*>(p)));
}
// Makes v opaque to the compiler, so a vector loaded once stays in its register: GCC otherwise
// folds the load into every instruction that reads it (one load per use).
inline void keep_in_register(__m512i& v) { __asm__("" : "+v"(v)); }
// Bits where `mask` is 1 from a, the others from b.
inline __m512i select_bits(__m512i mask, __m512i a, __m512i b) { return _mm512_ternarylogic_epi32(a, b, mask, 0xE4); }

// One group per call (gstride unused) or two consecutive groups (the pair kernels).
template <template <int, int> class K, int NT>
struct One {
  static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    K<1, NT>::run(g, 0, x, b0, b1, y, ldy);
  }
};
template <template <int, int> class K, int NT>
struct Two {
  static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    const int64_t nb = x.cols / (K<2, NT>::kBlockElems);
    K<2, NT>::run(g, nb * K<2, NT>::kGroup, x, b0, b1, y, ldy);
  }
};
// One 16-row group per call, tiles of up to kGemmTile tokens.
template <template <int> class K>
void by_tile_rows16(const uint8_t* g, const ActRows& x, const Rows16Call& c) {
  by_tile<K, kGemmTile>(g, x, c);
}

// Two consecutive groups per call, tiles of up to kPairTile tokens.
template <template <int> class K>
void by_tile_pair(const uint8_t* g, const ActRows& x, const Rows16Call& c) {
  by_tile<K, kPairTile>(g, x, c);
}

}  // namespace
}  // namespace frugal::kernels
