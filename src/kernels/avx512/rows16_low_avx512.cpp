// AVX-512 VNNI Rows16 micro-kernels for Q2_K, Q3_K and IQ4_XS: 16 or 32 weight rows x up to 8 tokens
// per call. Per 16-value sub-block j, four vpdpbusd per token on codes shifted out of the qs
// vectors (Q3_K: plus 4 where its hmask bit is set), scaled per row in int32.
#pragma GCC target("no-avxvnni,no-avx512bf16")  // EVEX vpdpbusd only (see row_dots_avx512.cpp)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "kernels/avx512/rows16_common.h"
#include "kernels/quant/blocks.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

namespace {

inline void accumulate(float* y, bool first, __m512 v) {
  _mm512_storeu_ps(y, first ? v : _mm512_add_ps(_mm512_loadu_ps(y), v));
}

// Per-byte (v >> s) & mask for s < 8 (a 16-bit shift: the mask drops the neighbour's bits).
inline __m512i bits_at(__m512i v, int s, __m512i mask) { return _mm512_and_si512(_mm512_srli_epi16(v, s), mask); }

// The 16 scales of a group's block column, byte 16j + r = scale of row r, sub-block j:
// Q2_K's low nibbles, Q3_K's 6-bit values - 32 (signed).
template <bool kQ3>
void decode_scales(const uint8_t* g, int8_t* sc) {
  const __m512i m4 = _mm512_set1_epi8(0x0F), m3 = _mm512_set1_epi8(3);
  if constexpr (!kQ3) {
    for (int q = 0; q < 4; ++q)
      _mm512_store_si512(sc + 64 * q, _mm512_and_si512(load512(g + kQ2Rows16Scales + 64 * q), m4));
  } else {  // bytes 16m + r: m < 4 in V0, 4..7 in V1, 8..11 (the top bits) in V2
    const __m512i V0 = load512(g + kQ3Rows16Scales), V1 = load512(g + kQ3Rows16Scales + 64);
    const __m512i V2 = load512(g + kQ3Rows16Scales + 128), off = _mm512_set1_epi8(32);
    const __m512i low[4] = {_mm512_and_si512(V0, m4), _mm512_and_si512(V1, m4), bits_at(V0, 4, m4), bits_at(V1, 4, m4)};
    for (int q = 0; q < 4; ++q) {
      const __m512i top = _mm512_slli_epi16(bits_at(V2, 2 * q, m3), 4);  // < 0x40: no carry across bytes
      _mm512_store_si512(sc + 64 * q, _mm512_sub_epi8(_mm512_or_si512(low[q], top), off));
    }
  }
}

// Q2_K's mins term for one group: lane r of the result = sum_j m[r][j] * bsums[j], m the
// scale bytes' high nibbles, from 8 dpwssd on (m[2p], m[2p + 1]) pairs.
struct Q2Mins {
  __m512i mm[8];
  explicit Q2Mins(const uint8_t* g) {
    const __m512i pairs = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                                           21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int p = 0; p < 8; ++p) {  // sub-blocks 2p, 2p + 1: 32 bytes
      const __m256i m = _mm256_and_si256(_mm256_srli_epi16(load256(g + kQ2Rows16Scales + 32 * p), 4), m4);
      mm[p] = _mm512_permutexvar_epi16(pairs, _mm512_cvtepu8_epi16(m));
    }
  }
  __m512i sum(const int16_t* bs) const {
    __m512i a = _mm512_setzero_si512(), b = _mm512_setzero_si512();
    for (int p = 0; p < 8; p += 2) {
      a = _mm512_dpwssd_epi32(a, mm[p], bcast4(bs + 2 * p));
      b = _mm512_dpwssd_epi32(b, mm[p + 1], bcast4(bs + 2 * p + 2));
    }
    return _mm512_add_epi32(a, b);
  }
};

// Q2_K (kQ3 = false) and Q3_K (kQ3 = true), G groups at once (gstride: bytes between them).
template <bool kQ3, int G, int NT>
struct LowKRows16G {
  static constexpr int kGroup = 16 * (kQ3 ? 110 : 84), kBlockElems = kQKK;
  static constexpr int kQs = kQ3 ? kQ3Rows16Qs : kQ2Rows16Qs;
  static void run(const uint8_t* g, int64_t gstride, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    const __m512i m3 = _mm512_set1_epi8(3);
    g += b0 * kGroup;
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      constexpr bool kStream = NT <= 2;  // decode: prefetch the header, then each code line beside its load
      if (kStream) prefetch_ahead(g, kQs);
      alignas(64) int8_t sc[G][256];
      for (int i = 0; i < G; ++i) decode_scales<kQ3>(g + i * gstride, sc[i]);
      __m512i tot[G][NT];
#pragma GCC unroll 16
      for (int t = 0; t < NT * G; ++t) tot[t / NT][t % NT] = _mm512_setzero_si512();
      const int8_t* xq[NT];
#pragma GCC unroll 16
      for (int t = 0; t < NT; ++t) xq[t] = x.qs(t) + kQKK * b;
#pragma GCC unroll 1
      for (int j = 0; j < 16; ++j) {  // sub-block j = 8h + 2k + s: quarter k of half h, 16s .. 16s + 15
        const int h = j / 8, k = j % 8 / 2, s = j % 2;
        __m512i acc[G][NT];
#pragma GCC unroll 16
        for (int t = 0; t < NT * G; ++t)  // Q3_K: the codes' offset, -4 * (sum of x over sub-block j)
          acc[t / NT][t % NT] = kQ3 ? _mm512_set1_epi32(x.neg32_bsums(t % NT)[16 * b + j] / 8) : _mm512_setzero_si512();
        const __m512i hbit = _mm512_set1_epi8(char(1 << (4 * h + k)));
#pragma GCC unroll 4
        for (int u = 0; u < 4; ++u) {
          __m512i code[G];
#pragma GCC unroll 2
          for (int i = 0; i < G; ++i) {
            const uint8_t* v = g + i * gstride + kQs + 64 * (8 * h + 4 * s + u);
            if (kStream && k == 0) prefetch_line(v);
            code[i] = bits_at(load512(v), 2 * k, m3);
            if constexpr (kQ3) {
              const uint8_t* hm = g + i * gstride + kQ3Rows16Hmask + 64 * (4 * s + u);
              if (kStream && j < 2) prefetch_line(hm);
              const __mmask64 set = _mm512_test_epi8_mask(load512(hm), hbit);
              code[i] = _mm512_mask_add_epi8(code[i], set, code[i], _mm512_set1_epi8(4));
            }
          }
#pragma GCC unroll 8
          for (int t = 0; t < NT; ++t) {
            const __m512i xv = bcast4(xq[t] + 16 * j + 4 * u);
#pragma GCC unroll 2
            for (int i = 0; i < G; ++i) dpbusd(acc[i][t], code[i], xv);
          }
        }
#pragma GCC unroll 2
        for (int i = 0; i < G; ++i) {
          const __m512i scv = _mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(sc[i] + 16 * j)));
#pragma GCC unroll 8
          for (int t = 0; t < NT; ++t) tot[i][t] = _mm512_add_epi32(tot[i][t], _mm512_mullo_epi32(acc[i][t], scv));
        }
      }
#pragma GCC unroll 2
      for (int i = 0; i < G; ++i) finish(g + i * gstride, x, b, tot[i], y + 16 * i, ldy, b == b0);
    }
  }

  // y[t] += dx * (d * tot[t] - Q2_K: dmin * sum_j m[r][j] * (sum of x over sub-block j)).
  static void finish(const uint8_t* g, const ActRows& x, int64_t b, const __m512i* tot, float* y, int64_t ldy,
                     bool first) {
    const __m512 d = load_fp16x16(g + (kQ3 ? kQ3Rows16D : kQ2Rows16D));
    if constexpr (kQ3) {
#pragma GCC unroll 8
      for (int t = 0; t < NT; ++t)
        accumulate(y + t * ldy, first,
                   _mm512_mul_ps(_mm512_cvtepi32_ps(tot[t]), _mm512_mul_ps(d, _mm512_set1_ps(x.d(t)[b]))));
    } else {
      const __m512 dmin = load_fp16x16(g + kQ2Rows16Dmin);
      const Q2Mins mins(g);
#pragma GCC unroll 8
      for (int t = 0; t < NT; ++t) {
        const __m512 ms = _mm512_cvtepi32_ps(mins.sum(x.bsums(t) + 16 * b));
        const __m512 v = _mm512_fmsub_ps(_mm512_cvtepi32_ps(tot[t]), d, _mm512_mul_ps(ms, dmin));
        accumulate(y + t * ldy, first, _mm512_mul_ps(v, _mm512_set1_ps(x.d(t)[b])));
      }
    }
  }
};

// IQ4_XS: codes are the grid values + 128 (unsigned, by vpshufb from the nibbles), so each
// sub-block's sums start at -128 * (sum of x over its 32 values); one group per call (the pair's
// sums and codes would not fit the registers).
// The IQ4 grid + 128 in each 16-byte lane (vpshufb's table).
constexpr std::array<uint8_t, 64> kGrid128 = [] {
  std::array<uint8_t, 64> a{};
  for (int i = 0; i < 64; ++i) a[size_t(i)] = uint8_t(kIq4Values[i % 16] + 128);
  return a;
}();

template <int G, int NT>
struct IQ4XSRows16G {
  static constexpr int kGroup = 16 * 136, kBlockElems = kQKK;
  static_assert(G == 1);
  static void run(const uint8_t* g, int64_t, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i grid = load512(kGrid128.data());
    g += b0 * kGroup;
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      constexpr bool kStream = NT <= 2;
      if (kStream) prefetch_ahead(g, kIq4XsRows16Qs);
      alignas(16) int8_t sc[128];
      decode_scales(g, sc);
      __m512i tot[NT];
#pragma GCC unroll 8
      for (int t = 0; t < NT; ++t) tot[t] = _mm512_setzero_si512();
#pragma GCC unroll 1
      for (int j = 0; j < 8; ++j) {
        __m512i acc[NT];
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) acc[t] = _mm512_set1_epi32(-128 * int32_t(x.bsums32(t)[8 * b + j]));
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
          const uint8_t* v = g + kIq4XsRows16Qs + 64 * (4 * j + k);
          if (kStream) prefetch_line(v);
          const __m512i raw = load512(v);
          const __m512i lo = _mm512_shuffle_epi8(grid, _mm512_and_si512(raw, m4));
          const __m512i hi = _mm512_shuffle_epi8(grid, bits_at(raw, 4, m4));
#pragma GCC unroll 8
          for (int t = 0; t < NT; ++t) {
            const int8_t* xs = x.qs(t) + kQKK * b + 32 * j + 4 * k;
            dpbusd_bcast(acc[t], lo, xs);
            dpbusd_bcast(acc[t], hi, xs + 16);
          }
        }
        const __m512i scv = _mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(sc + 16 * j)));
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) tot[t] = _mm512_add_epi32(tot[t], _mm512_mullo_epi32(acc[t], scv));
      }
      const __m512 d = load_fp16x16(g + kIq4XsRows16D);
#pragma GCC unroll 8
      for (int t = 0; t < NT; ++t)
        accumulate(y + t * ldy, b == b0,
                   _mm512_mul_ps(_mm512_cvtepi32_ps(tot[t]), _mm512_mul_ps(d, _mm512_set1_ps(x.d(t)[b]))));
    }
  }

  // byte 16j + r: ls - 32 of row r's sub-block j (low nibble of scales_l[j / 2], or its high for
  // odd j, | bits 2 (j % 4) of scales_h's byte j / 4 << 4).
  static void decode_scales(const uint8_t* g, int8_t* sc) {
    const __m128i m4 = _mm_set1_epi8(0x0F), m3 = _mm_set1_epi8(3);
    for (int j = 0; j < 8; ++j) {
      const __m128i l = _mm_loadu_si128(reinterpret_cast<const __m128i*>(g + kIq4XsRows16Scales + 16 * (2 + j / 2)));
      const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(g + kIq4XsRows16Scales + 16 * (j / 4)));
      const __m128i low = _mm_and_si128(_mm_srli_epi16(l, 4 * (j % 2)), m4);
      const __m128i high = _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(h, 2 * (j % 4)), m3), 4);
      const __m128i ls = _mm_sub_epi8(_mm_or_si128(low, high), _mm_set1_epi8(32));
      _mm_store_si128(reinterpret_cast<__m128i*>(sc + 16 * j), ls);
    }
  }
};

template <int G, int NT>
using Q2KG = LowKRows16G<false, G, NT>;
template <int G, int NT>
using Q3KG = LowKRows16G<true, G, NT>;
template <int NT>
using Q2KOne = One<Q2KG, NT>;
template <int NT>
using Q3KOne = One<Q3KG, NT>;
template <int NT>
using IQ4XSOne = One<IQ4XSRows16G, NT>;
template <int NT>
using Q2KTwo = Two<Q2KG, NT>;
template <int NT>
using Q3KTwo = Two<Q3KG, NT>;

}  // namespace

Rows16Fn avx512_rows16_low(GgmlType t, bool pair) {
  switch (t) {
    case GgmlType::Q2_K: return pair ? by_tile_pair<Q2KTwo> : by_tile_rows16<Q2KOne>;
    case GgmlType::Q3_K: return pair ? by_tile_pair<Q3KTwo> : by_tile_rows16<Q3KOne>;
    case GgmlType::IQ4_XS: return pair ? nullptr : by_tile_rows16<IQ4XSOne>;
    default: return nullptr;
  }
}

}  // namespace frugal::kernels
