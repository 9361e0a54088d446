// x86 row-dot kernels for the 32-value block formats Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and IQ4_NL,
// templated on the ISA's integer-dot operations (Ops). Same linkage rules as x86_common.h.
#pragma once

#include "kernels/quant/blocks.h"
#include "kernels/x86/x86_common.h"

namespace frugal::kernels {
namespace {

// A decoded block: 32 codes (unsigned, or signed for Q8_0) and x = dw * (q - zero) + mw.
struct LegacyQ4_0 {
  static constexpr int kBytes = 18, kZero = 8;
  static constexpr bool kSigned = false, kMin = false;
  template <class Ops>
  static __m256i codes(const uint8_t* b) { return unpack_nibbles16(b + 2); }
};
struct LegacyQ4_1 {
  static constexpr int kBytes = 20, kZero = 0;
  static constexpr bool kSigned = false, kMin = true;
  template <class Ops>
  static __m256i codes(const uint8_t* b) { return unpack_nibbles16(b + 4); }
};
struct LegacyQ5_0 {
  static constexpr int kBytes = 22, kZero = 16;
  static constexpr bool kSigned = false, kMin = false;
  template <class Ops>
  static __m256i codes(const uint8_t* b) { return Ops::add_bit4(unpack_nibbles16(b + 6), load_u32(b + 2)); }
};
struct LegacyQ5_1 {
  static constexpr int kBytes = 24, kZero = 0;
  static constexpr bool kSigned = false, kMin = true;
  template <class Ops>
  static __m256i codes(const uint8_t* b) { return Ops::add_bit4(unpack_nibbles16(b + 8), load_u32(b + 4)); }
};
// IQ4_NL: the nibbles index the non-linear grid (signed values, as Q8_0's codes).
inline __m256i iq4_grid() {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4Values)));
}
struct LegacyIQ4_NL {
  static constexpr int kBytes = 18, kZero = 0;
  static constexpr bool kSigned = true, kMin = false;
  template <class Ops>
  static __m256i codes(const uint8_t* b) { return _mm256_shuffle_epi8(iq4_grid(), unpack_nibbles16(b + 2)); }
};
struct LegacyQ8_0 {
  static constexpr int kBytes = 34, kZero = 0;
  static constexpr bool kSigned = true, kMin = false;
  template <class Ops>
  static __m256i codes(const uint8_t* b) { return loadu256(b + 2); }
};

// sum_b dw * dx * isum + (mw - zero * dw) * sx, with sx = dx * sum(qx) precomputed.
// Blocks alternate between two sets of accumulators to shorten the dependency chains.
template <class Ops, class F>
struct LegacyKernel {
  template <int NT>
  static void block(const uint8_t* w, int64_t b, const ActRows& x, __m256* acc, float* corr) {
    const float dw = load_fp16(w);
    const __m256i q = F::template codes<Ops>(w);
    __m256i u = q;
    if constexpr (F::kSigned) u = _mm256_sign_epi8(q, q);  // |q|; the sign moves to x
    float coef = -float(F::kZero) * dw;
    if constexpr (F::kMin) coef = load_fp16(w + 2);
    for (int t = 0; t < NT; ++t) {
      __m256i xv = loadu256(x.qs(t) + kQK * b);
      if constexpr (F::kSigned) xv = _mm256_sign_epi8(xv, q);
      const __m256i isum = Ops::dot_u8s8(_mm256_setzero_si256(), u, xv);
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(dw * x.d(t)[b]), acc[t]);
      if constexpr (F::kZero != 0 || F::kMin) corr[t] += coef * x.sum32(t)[b];
    }
  }

  template <int NT>
  static void run(const uint8_t* w, const ActRows& x, float* out) {
    __m256 acc0[NT], acc1[NT];
    float corr0[NT], corr1[NT];
    for (int t = 0; t < NT; ++t) acc0[t] = acc1[t] = _mm256_setzero_ps(), corr0[t] = corr1[t] = 0;
    const int64_t nb = x.cols / kQK;
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      block<NT>(w + b * F::kBytes, b, x, acc0, corr0);
      block<NT>(w + (b + 1) * F::kBytes, b + 1, x, acc1, corr1);
    }
    if (b < nb) block<NT>(w + b * F::kBytes, b, x, acc0, corr0);
    for (int t = 0; t < NT; ++t) out[t] = hsum_ps(_mm256_add_ps(acc0[t], acc1[t])) + (corr0[t] + corr1[t]);
  }
};

}  // namespace
}  // namespace frugal::kernels
