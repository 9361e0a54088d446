// AVX2 Rows16 micro-kernels for Q2_K and Q3_K (their Rows16 layouts, rows16.h): per 8-row half
// and sub-block, the four code vectors shifted out of the qs vectors (Q3_K: +4 where its hmask bit
// is set), four vpmaddubsw per token added in int16 (|sum| <= 4 * 2 * 7 * 127 = 7112) and widened
// by vpmaddwd with the rows' sub-block scales.
#include "kernels/avx2/rows16_avx2_common.h"
#include "kernels/quant/blocks.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

namespace {

// Per-byte (v >> s) & mask for s < 8 (a 16-bit shift: the mask drops the neighbour's bits).
inline __m256i bits_at(__m256i v, int s, __m256i mask) { return _mm256_and_si256(_mm256_srli_epi16(v, s), mask); }

// The block column's per-row values, byte 16j + r = row r, sub-block j: sc (Q2_K: low nibbles;
// Q3_K: 6-bit values - 32) and Q2_K's mins m (high nibbles).
template <bool kQ3>
void decode_scales(const uint8_t* g, int8_t* sc, int8_t* m) {
  const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
  for (int q = 0; q < 8; ++q) {  // 32 bytes: sub-blocks 2q, 2q + 1
    if constexpr (!kQ3) {
      const __m256i v = load256(g + kQ2Rows16Scales + 32 * q);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(sc + 32 * q), _mm256_and_si256(v, m4));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(m + 32 * q), bits_at(v, 4, m4));
    } else {  // sub-block j: low nibble of byte m = j % 8 (j >= 8: high nibble), top bits of byte 8 + j % 4
      const int j = 2 * q, byte = j % 8, shift = j < 8 ? 0 : 4;
      const __m256i low = bits_at(load256(g + kQ3Rows16Scales + 16 * byte), shift, m4);
      const __m256i top = _mm256_slli_epi16(bits_at(load256(g + kQ3Rows16Scales + 16 * (8 + j % 4)), 2 * (j / 4), m3), 4);
      const __m256i v = _mm256_sub_epi8(_mm256_or_si256(low, top), _mm256_set1_epi8(32));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(sc + 32 * q), v);
    }
  }
  (void)m;
}

// Lane r (r < 8) of half h: (v[2p][8h + r], v[2p + 1][8h + r]) as int16, for vpmaddwd with pairs of
// per-16 activation sums; v holds byte 16j + r per sub-block j.
inline __m256i pair16(const int8_t* v, int p, int h) {
  const __m128i a = load128(v + 32 * p), b = load128(v + 32 * p + 16);
  return _mm256_cvtepi8_epi16(h ? _mm_unpackhi_epi8(a, b) : _mm_unpacklo_epi8(a, b));
}

template <bool kQ3>
struct LowKRows16Avx2 {
  static constexpr int kGroup = 16 * (kQ3 ? 110 : 84), kQs = kQ3 ? kQ3Rows16Qs : kQ2Rows16Qs;

  template <int NT>
  struct K {
    static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
      g += b0 * kGroup;
      for (int64_t b = b0; b < b1; ++b, g += kGroup) {
        constexpr bool kStream = NT <= 2;
        if (kStream) prefetch_ahead(g, kQs);
        alignas(32) int8_t sc[256], m[kQ3 ? 1 : 256];
        decode_scales<kQ3>(g, sc, m);
        const int8_t* xq[NT];
        for (int t = 0; t < NT; ++t) xq[t] = x.qs(t) + kQKK * b;
#pragma GCC unroll 1
        for (int h = 0; h < 2; ++h) {
          __m256i tot[NT];
          for (int t = 0; t < NT; ++t) tot[t] = _mm256_setzero_si256();
          sub_blocks(g, h, xq, sc, tot);
          finish(g, x, b, h, sc, m, tot, y + 8 * h, ldy, b == b0);
        }
      }
    }

    // tot[t] (rows 8h .. 8h + 7) += sum_j sc[r][j] * (codes of sub-block j . x's sub-block j).
    [[gnu::always_inline]] static void sub_blocks(const uint8_t* g, int h, const int8_t* const* xq, const int8_t* sc,
                                                  __m256i* tot) {
      const __m256i m3 = _mm256_set1_epi8(3), lo16 = _mm256_set1_epi32(0xFFFF);
      constexpr bool kStream = NT <= 2;
#pragma GCC unroll 1
      for (int j = 0; j < 16; ++j) {  // sub-block j = 8hh + 2k + s: quarter k of half hh, 16s .. 16s + 15
        const int hh = j / 8, k = j % 8 / 2, s = j % 2;
        const __m256i e = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc + 16 * j + 8 * h)));
        const __m256i scale = _mm256_or_si256(_mm256_and_si256(e, lo16), _mm256_slli_epi32(e, 16));  // (sc, sc)
        __m256i code[4];
        for (int u = 0; u < 4; ++u) {
          const uint8_t* v = g + kQs + 64 * (8 * hh + 4 * s + u) + 32 * h;
          if (kStream && k == 0) prefetch_line(v);
          code[u] = bits_at(load256(v), 2 * k, m3);
          if constexpr (kQ3) {
            const uint8_t* p = g + kQ3Rows16Hmask + 64 * (4 * s + u) + 32 * h;
            if (kStream && j < 2) prefetch_line(p);
            const __m256i bit = _mm256_set1_epi8(char(1 << (4 * hh + k)));
            const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(load256(p), bit), bit);
            code[u] = _mm256_or_si256(code[u], _mm256_and_si256(set, _mm256_set1_epi8(4)));
          }
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
          const int8_t* xs = xq[t] + 16 * j;
          __m256i p = _mm256_maddubs_epi16(code[0], bcast4(xs));
          for (int u = 1; u < 4; ++u) p = dot16(p, code[u], bcast4(xs + 4 * u));
          tot[t] = opaque(_mm256_add_epi32(tot[t], _mm256_madd_epi16(p, scale)));
        }
      }
    }

    // y[t] (half h) += dx * (d * tot[t] - Q2_K: dmin * sum_j m[r][j] * bsum_j; Q3_K: d * 4 *
    // sum_j sc[r][j] * bsum_j, the codes' offset).
    static void finish(const uint8_t* g, const ActRows& x, int64_t b, int h, const int8_t* sc, const int8_t* m,
                       const __m256i* tot, float* y, int64_t ldy, bool first) {
      __m256i e[8];
      for (int p = 0; p < 8; ++p) e[p] = pair16(kQ3 ? sc : m, p, h);
      const __m256 d = load_fp16x8(g + (kQ3 ? kQ3Rows16D : kQ2Rows16D) + 16 * h);
      for (int t = 0; t < NT; ++t) {
        const int16_t* bs = x.bsums(t) + 16 * b;
        __m256i off = _mm256_madd_epi16(e[0], bcast4(bs));
        for (int p = 1; p < 8; ++p) off = _mm256_add_epi32(off, _mm256_madd_epi16(e[p], bcast4(bs + 2 * p)));
        const __m256 dx = _mm256_set1_ps(x.d(t)[b]);
        __m256 v;
        if constexpr (kQ3) {
          v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(tot[t], _mm256_slli_epi32(off, 2))), _mm256_mul_ps(d, dx));
        } else {
          const __m256 dmin = load_fp16x8(g + kQ2Rows16Dmin + 16 * h);
          v = _mm256_mul_ps(_mm256_fmsub_ps(_mm256_cvtepi32_ps(tot[t]), d, _mm256_mul_ps(_mm256_cvtepi32_ps(off), dmin)),
                            dx);
        }
        accumulate(y + t * ldy, first, v);
      }
    }
  };
};

template <int NT>
using Q2KRows16Avx2 = LowKRows16Avx2<false>::K<NT>;
template <int NT>
using Q3KRows16Avx2 = LowKRows16Avx2<true>::K<NT>;

}  // namespace

Rows16Fn avx2_rows16_low(GgmlType t) {
  switch (t) {
    case GgmlType::Q2_K: return by_tile4<Q2KRows16Avx2>;
    case GgmlType::Q3_K: return by_tile4<Q3KRows16Avx2>;
    default: return nullptr;
  }
}

}  // namespace frugal::kernels
