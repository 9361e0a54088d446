// AVX-512 VNNI Rows16 micro-kernels for Q4_K, Q5_K, Q6_K and Q8_0: 16 or 32 weight rows x up
// to 8 tokens per call, integer sub-block sums scaled per row in int32, float scales per block.
#pragma GCC target("no-avxvnni,no-avx512bf16")  // EVEX vpdpbusd only (see row_dots_avx512.cpp)
// GCC 12 flags the self-initialised "undefined" vectors inside its AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "kernels/avx512/rows16_common.h"
#include "kernels/quant/blocks.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

namespace {

// The per-token float accumulators live in y (y[t * ldy .. + 16)): this kernel's own output,
// L1-resident while it runs, which leaves the vector registers to the integer sums.
inline void accumulate(float* y, bool first, __m512 v) {
  _mm512_storeu_ps(y, first ? v : _mm512_add_ps(_mm512_loadu_ps(y), v));
}

// Q4_K (kHigh = false) and Q5_K (kHigh = true: the fifth bits come from 8 qh vectors).
// G groups (rows 16 G) at once: every activation broadcast feeds G dot instructions.
// Q4_K multiplies the high nibbles in place (code & 0xF0 = 16 x code: no shift); the low
// nibbles' sub-block scales are multiplied by 16 to match and d by 1/16 at the end, which is
// exact (integer sums, and a power-of-two scale commutes with float rounding).
template <bool kHigh, int G, int NT>
struct KAffineRows16G {
  static constexpr int kGroup = 16 * (kHigh ? 176 : 144), kQs = kHigh ? 768 : 256, kBlockElems = kQKK;
  // gstride: bytes from one group to the next; y + 16 i: outputs of group i.
  static void run(const uint8_t* g, int64_t gstride, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30), m4hi = _mm512_set1_epi8(char(0xF0));
    g += b0 * kGroup;
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      const bool first = b == b0;
      // Decode: the header lines (and Q5_K's qh) at once, then each qs line beside its load
      // (Q4_K streams ~5% faster than with all of a block's prefetches at its start).
      constexpr bool kStream = NT <= 2;
      if (kStream) prefetch_ahead(g, kQs);
      alignas(64) uint8_t sc[G][128];  // byte 16 j + r: scale of row r, sub-block j
#pragma GCC unroll 2
      for (int i = 0; i < G; ++i) {
        const __m512i L = load512(g + i * gstride + 64), H = load512(g + i * gstride + 192);
        _mm512_store_si512(sc[i], select_bits(m4, L, _mm512_and_si512(_mm512_slli_epi16(H, 4), m30)));
        _mm512_store_si512(sc[i] + 64,
                           select_bits(m4, _mm512_srli_epi16(L, 4), _mm512_and_si512(_mm512_slli_epi16(H, 2), m30)));
      }
      // Integer sums scaled by the sub-block scales, kept in L1 (not registers: those hold the
      // per-sub-block sums of every group and token).
      alignas(64) int32_t tot[G][NT][16];
#pragma GCC unroll 16
      for (int t = 0; t < NT * G; ++t) _mm512_store_si512(tot[t / NT][t % NT], _mm512_setzero_si512());
      const int8_t* xq[NT];
#pragma GCC unroll 16
      for (int t = 0; t < NT; ++t) xq[t] = x.qs(t) + kQKK * b;
      // Sub-blocks j in steps of kJ: small tiles take both halves of a vector at once
      // (one load for two codes, two independent dot chains).
      constexpr int kJ = G * NT <= 2 ? 2 : 1;
      // Q5_K: the group's 8 qh vectors in registers for the whole block (not reloaded for every
      // fifth-bit test).
      __m512i qhv[kHigh ? G : 1][8];
      if constexpr (kHigh)
#pragma GCC unroll 2
        for (int i = 0; i < G; ++i)
#pragma GCC unroll 8
          for (int k = 0; k < 8; ++k) {
            qhv[i][k] = load512(g + i * gstride + 256 + 64 * k);
            keep_in_register(qhv[i][k]);
          }
#pragma GCC unroll 1
      for (int j0 = 0; j0 < 8; j0 += kJ) {  // sub-block j: low (even j) or high (odd j) nibbles of vectors 8c .. 8c + 7
        const int c = j0 / 2;
        __m512i s[kJ][G][NT];
#pragma GCC unroll 16
        for (int t = 0; t < kJ * NT * G; ++t) s[t / (NT * G)][t / NT % G][t % NT] = _mm512_setzero_si512();
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) {
          __m512i raw[G];
#pragma GCC unroll 2
          for (int i = 0; i < G; ++i) {
            raw[i] = load512(g + i * gstride + kQs + (8 * c + k) * 64);
            if (kStream && j0 % 2 == 0) prefetch_line(g + i * gstride + kQs + (8 * c + k) * 64);
          }
#pragma GCC unroll 2
          for (int jj = 0; jj < kJ; ++jj) {
            const int j = j0 + jj, h = j % 2;
            __m512i code[G];
#pragma GCC unroll 2
            for (int i = 0; i < G; ++i) {
              if constexpr (kHigh)
                code[i] = _mm512_and_si512(h ? _mm512_srli_epi16(raw[i], 4) : raw[i], m4);
              else
                code[i] = _mm512_and_si512(raw[i], h ? m4hi : m4);
              if constexpr (kHigh) {  // bit j of qh byte 4k + i: fifth bit of this code
                const __mmask64 hb = _mm512_test_epi8_mask(qhv[i][k], _mm512_set1_epi8(char(1 << j)));
                code[i] = _mm512_mask_add_epi8(code[i], hb, code[i], _mm512_set1_epi8(16));
              }
            }
#pragma GCC unroll 16
            for (int t = 0; t < NT; ++t) {
              if constexpr (G == 1) {
                dpbusd_bcast(s[jj][0][t], code[0], xq[t] + 32 * j + 4 * k);
              } else {
                const __m512i xv = bcast4(xq[t] + 32 * j + 4 * k);
#pragma GCC unroll 2
                for (int i = 0; i < G; ++i) dpbusd(s[jj][i][t], code[i], xv);
              }
            }
          }
        }
#pragma GCC unroll 2
        for (int jj = 0; jj < kJ; ++jj) {
          const int j = j0 + jj, h = j % 2;
#pragma GCC unroll 2
          for (int i = 0; i < G; ++i) {
            __m512i scv = _mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(sc[i] + 16 * j)));
            if (!kHigh && !h) scv = _mm512_slli_epi32(scv, 4);
#pragma GCC unroll 16
            for (int t = 0; t < NT; ++t)
              _mm512_store_si512(tot[i][t], _mm512_add_epi32(_mm512_load_si512(tot[i][t]), _mm512_mullo_epi32(s[jj][i][t], scv)));
          }
        }
      }
#pragma GCC unroll 2
      for (int i = 0; i < G; ++i) finish(g + i * gstride, x, b, tot[i], y + 16 * i, ldy, first);
    }
  }

  // y[t] += dx * (d * tot[t] - dmin * sum_j m[r][j] * (sum of x's sub-block j)).
  static void finish(const uint8_t* g, const ActRows& x, int64_t b, const int32_t (*tot)[16], float* y, int64_t ldy,
                     bool first) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
    const __m512i M = load512(g + 128), H = load512(g + 192);
    const __m512i mv[2] = {select_bits(m4, M, _mm512_and_si512(H, m30)),
                           select_bits(m4, _mm512_srli_epi16(M, 4), _mm512_and_si512(_mm512_srli_epi16(H, 2), m30))};
    // Lane r of mm[p]: (m[r][2p], m[r][2p + 1]) as int16, one dpwssd per pair of sub-blocks.
    const __m512i pairs = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6, 21,
                                           5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    __m512i mm[4];
#pragma GCC unroll 4
    for (int p = 0; p < 4; ++p) {
      const __m512i src = mv[p / 2];
      const __m256i half = p % 2 ? _mm512_extracti64x4_epi64(src, 1) : _mm512_castsi512_si256(src);
      mm[p] = _mm512_permutexvar_epi16(pairs, _mm512_cvtepu8_epi16(half));
    }
    const __m512 d = _mm512_mul_ps(load_fp16x16(g), _mm512_set1_ps(kHigh ? 1.0f : 1.0f / 16)),
                 dmin = load_fp16x16(g + 32);
#pragma GCC unroll 16
    for (int t = 0; t < NT; ++t) {
      const int16_t* bs = x.bsums32(t) + 8 * b;
      __m512i ms0 = _mm512_dpwssd_epi32(_mm512_setzero_si512(), mm[0], bcast4(bs));
      __m512i ms1 = _mm512_dpwssd_epi32(_mm512_setzero_si512(), mm[1], bcast4(bs + 2));
      ms0 = _mm512_dpwssd_epi32(ms0, mm[2], bcast4(bs + 4));
      ms1 = _mm512_dpwssd_epi32(ms1, mm[3], bcast4(bs + 6));
      const __m512i ms = _mm512_add_epi32(ms0, ms1);
      const __m512 v = _mm512_fmsub_ps(_mm512_cvtepi32_ps(_mm512_load_si512(tot[t])), d, _mm512_mul_ps(_mm512_cvtepi32_ps(ms), dmin));
      accumulate(y + t * ldy, first, _mm512_mul_ps(v, _mm512_set1_ps(x.d(t)[b])));
    }
  }
};

// Q6_K, G groups at once.
template <int G, int NT>
struct Q6KRows16G {
  static constexpr int kGroup = 16 * 210, kBlockElems = kQKK;
  static void run(const uint8_t* g, int64_t gstride, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
    g += b0 * kGroup;
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      // Decode: the header's lines at the block's start, then each sub-block's three lines beside
      // its loads. A burst of all 53 lines at the start stalled Zen 4 (one thread streamed at
      // 0.55 of the read rate against 0.69 without prefetches).
      constexpr bool kStream = NT <= 2;
      if (kStream) prefetch_ahead(g, 288);
      __m512i tot[G][NT];
#pragma GCC unroll 16
      for (int t = 0; t < NT * G; ++t) tot[t / NT][t % NT] = _mm512_setzero_si512();
      const int8_t* xq[NT];
#pragma GCC unroll 16
      for (int t = 0; t < NT; ++t) xq[t] = x.qs(t) + kQKK * b;
      // Sub-blocks j in steps of kJ (two where the registers allow: two independent dot chains,
      // one scale load for both).
      constexpr int kJ = G * NT <= 4 ? 2 : 1;
#pragma GCC unroll 1
      for (int j0 = 0; j0 < 16; j0 += kJ) {
        // Each sum starts at -32 * (sum of x over sub-block j): the codes' offset of 32.
        __m512i s[kJ][G][NT];
#pragma GCC unroll 16
        for (int t = 0; t < kJ * NT * G; ++t)
          s[t / (NT * G)][t / NT % G][t % NT] = _mm512_set1_epi32(x.neg32_bsums(t % NT)[16 * b + j0 + t / (NT * G)]);
        // Each sub-block's two ql vectors and its qh vector, loaded once into registers: 3 vector
        // loads per sub-block instead of one per shift, 8 (decode: 131 against 171 cycles per
        // block in L1).
        __m512i ql[kJ][G][2], qh[kJ][G];
#pragma GCC unroll 2
        for (int jj = 0; jj < kJ; ++jj)
#pragma GCC unroll 2
          for (int i = 0; i < G; ++i) {
            const uint8_t* sub = g + i * gstride;
            const uint8_t *l0 = sub + q6_rows16_ql(j0 + jj, 0), *l1 = sub + q6_rows16_ql(j0 + jj, 1),
                          *h = sub + q6_rows16_qh(j0 + jj);
            ql[jj][i][0] = load512(l0), ql[jj][i][1] = load512(l1), qh[jj][i] = load512(h);
            if (kStream) prefetch_line(l0), prefetch_line(l1), prefetch_line(h);
            keep_in_register(ql[jj][i][0]), keep_in_register(ql[jj][i][1]), keep_in_register(qh[jj][i]);
          }
#pragma GCC unroll 4
        for (int u = 0; u < 4; ++u)  // codes of columns 16 j + 4 u .. + 3
#pragma GCC unroll 2
          for (int jj = 0; jj < kJ; ++jj) {
            __m512i q[G];
#pragma GCC unroll 2
            for (int i = 0; i < G; ++i) q[i] = code(ql[jj][i][u / 2], qh[jj][i], u, m4, m30);
            const int j = j0 + jj;
#pragma GCC unroll 16
            for (int t = 0; t < NT; ++t) {
              const __m512i xv = bcast4(xq[t] + 16 * j + 4 * u);
#pragma GCC unroll 2
              for (int i = 0; i < G; ++i) dpbusd(s[jj][i][t], q[i], xv);
            }
          }
#pragma GCC unroll 2
        for (int i = 0; i < G; ++i) {
          const __m512i scv = _mm512_cvtepi8_epi16(load256(g + i * gstride + 32 + 32 * (j0 / 2)));
#pragma GCC unroll 2
          for (int jj = 0; jj < kJ; ++jj) {
            const int j = j0 + jj;
            const __m512i sc = j % 2 ? _mm512_srai_epi32(scv, 16) : _mm512_srai_epi32(_mm512_slli_epi32(scv, 16), 16);
#pragma GCC unroll 16
            for (int t = 0; t < NT; ++t)
              tot[i][t] = _mm512_add_epi32(tot[i][t], _mm512_mullo_epi32(s[jj][i][t], sc));
          }
        }
      }
#pragma GCC unroll 2
      for (int i = 0; i < G; ++i) {
        const __m512 d = load_fp16x16(g + i * gstride);
#pragma GCC unroll 16
        for (int t = 0; t < NT; ++t)
          accumulate(y + 16 * i + t * ldy, b == b0,
                     _mm512_mul_ps(_mm512_cvtepi32_ps(tot[i][t]), _mm512_mul_ps(d, _mm512_set1_ps(x.d(t)[b]))));
      }
    }
  }

  // Codes u of a sub-block from its ql vector a (u / 2 of the two: u even the low, odd the high
  // half-bytes) and its qh vector h (top bits 2u .. 2u + 1).
  static __m512i code(__m512i a, __m512i h, int u, __m512i m4, __m512i m30) {
    const __m512i lo = u % 2 ? _mm512_srli_epi16(a, 4) : a;
    __m512i hi;
    switch (u) {
      case 0: hi = _mm512_slli_epi16(h, 4); break;
      case 1: hi = _mm512_slli_epi16(h, 2); break;
      case 2: hi = h; break;
      default: hi = _mm512_srli_epi16(h, 2); break;
    }
    return select_bits(m4, lo, _mm512_and_si512(hi, m30));
  }
};

// Q8_0, G groups at once. Codes are stored as q + 128 (u8): sum (q + 128) x = sum q x +
// 128 sum x, so each integer sum starts at -128 sum x (from the activation row).
template <int G, int NT>
struct Q8_0Rows16G {
  static constexpr int kGroup = 16 * 34, kBlockElems = kQK;
  static void run(const uint8_t* g, int64_t gstride, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    __m512 acc[G][NT];
#pragma GCC unroll 16
    for (int t = 0; t < NT * G; ++t) acc[t / NT][t % NT] = _mm512_setzero_ps();
    g += b0 * kGroup;
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      if (NT <= 2) prefetch_ahead(g, kGroup);
      __m512i s[G][NT];
      const int8_t* xq[NT];
#pragma GCC unroll 16
      for (int t = 0; t < NT * G; ++t) s[t / NT][t % NT] = _mm512_set1_epi32(x.neg128_sum32(t % NT)[b]);
#pragma GCC unroll 16
      for (int t = 0; t < NT; ++t) xq[t] = x.qs(t) + kQK * b;
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) {
        __m512i w[G];
#pragma GCC unroll 2
        for (int i = 0; i < G; ++i) w[i] = load512(g + i * gstride + 32 + 64 * k);
#pragma GCC unroll 16
        for (int t = 0; t < NT; ++t) {
          const __m512i xv = bcast4(xq[t] + 4 * k);
#pragma GCC unroll 2
          for (int i = 0; i < G; ++i) dpbusd(s[i][t], w[i], xv);
        }
      }
#pragma GCC unroll 2
      for (int i = 0; i < G; ++i) {
        const __m512 dw = load_fp16x16(g + i * gstride);
#pragma GCC unroll 16
        for (int t = 0; t < NT; ++t)
          acc[i][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[i][t]), _mm512_mul_ps(dw, _mm512_set1_ps(x.d(t)[b])), acc[i][t]);
      }
    }
#pragma GCC unroll 16
    for (int t = 0; t < NT * G; ++t) _mm512_storeu_ps(y + 16 * (t / NT) + (t % NT) * ldy, acc[t / NT][t % NT]);
  }
};

template <int G, int NT>
using Q4KG = KAffineRows16G<false, G, NT>;
template <int G, int NT>
using Q5KG = KAffineRows16G<true, G, NT>;
template <int NT>
using Q4KOne = One<Q4KG, NT>;
template <int NT>
using Q5KOne = One<Q5KG, NT>;
template <int NT>
using Q6KOne = One<Q6KRows16G, NT>;
template <int NT>
using Q8_0One = One<Q8_0Rows16G, NT>;
template <int NT>
using Q4KTwo = Two<Q4KG, NT>;
template <int NT>
using Q6KTwo = Two<Q6KRows16G, NT>;
template <int NT>
using Q8_0Two = Two<Q8_0Rows16G, NT>;

}  // namespace

// Q5_K has no pair kernel: its fifth-bit masks leave too few registers (measured slower).
Rows16Fn avx512_rows16_pair(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_K: return by_tile_pair<Q4KTwo>;
    case GgmlType::Q6_K: return by_tile_pair<Q6KTwo>;
    case GgmlType::Q8_0: return by_tile_pair<Q8_0Two>;
    default: return avx512_rows16_low(t, true);
  }
}

Rows16Fn avx512_rows16(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_K: return by_tile_rows16<Q4KOne>;
    case GgmlType::Q5_K: return by_tile_rows16<Q5KOne>;
    case GgmlType::Q6_K: return by_tile_rows16<Q6KOne>;
    case GgmlType::Q8_0: return by_tile_rows16<Q8_0One>;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::IQ4_XS: return avx512_rows16_low(t, false);
    default: return avx512_rows16_legacy(t);
  }
}

}  // namespace frugal::kernels
