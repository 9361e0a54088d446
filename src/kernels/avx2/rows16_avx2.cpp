// AVX2 Rows16 micro-kernels for Q4_K, Q5_K, Q6_K and Q8_0 (the Rows16Avx2 layout: Q5_K's codes
// eight to five bytes, Q6_K's four to three, the others as in Rows16): one 16-row group (two ymm halves
// of 8 int32 lanes, rows 0-7 and 8-15) x up to 4 tokens per pass. Without VNNI the 8-bit dots are
// vpmaddubsw (pairs of unsigned x signed bytes into int16): the K-quant kernels add several of
// them in int16 (the bounds below keep every sum exact) and widen once per sub-block with
// vpmaddwd by the sub-block's scale, which also applies the scale.
#include "kernels/avx2/rows16_avx2_common.h"
#include "kernels/quant/blocks.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

namespace {

// A Q4_K/Q5_K group block's scales and mins (Q4_K's 256 header bytes, rows16.h) for NT tokens.
template <int NT>
struct KScaleMins {
  // 6-bit values of the group's 16 rows from their low-nibble vector (L or M, rows16.h) and
  // high bits (H, shifted to bits 4..5): 32 bytes for sub-blocks 2p (low 16) and 2p + 1.
  static __m256i six_bits(__m256i lo, __m256i hi) {
    return _mm256_or_si256(_mm256_and_si256(lo, _mm256_set1_epi8(0x0F)), _mm256_and_si256(hi, _mm256_set1_epi8(0x30)));
  }
  static __m256i scales(const uint8_t* g, int p) {  // L at 64, H at 192
    const __m256i L = load256(g + 64 + 32 * (p % 2)), H = load256(g + 192 + 32 * (p % 2));
    return p < 2 ? six_bits(L, _mm256_slli_epi16(H, 4)) : six_bits(_mm256_srli_epi16(L, 4), _mm256_slli_epi16(H, 2));
  }
  static __m256i mins(const uint8_t* g, int p) {  // M at 128
    const __m256i M = load256(g + 128 + 32 * (p % 2)), H = load256(g + 192 + 32 * (p % 2));
    return p < 2 ? six_bits(M, H) : six_bits(_mm256_srli_epi16(M, 4), _mm256_srli_epi16(H, 2));
  }
  static void unpack_scales(const uint8_t* g, uint8_t* sc) {
    for (int p = 0; p < 4; ++p) _mm256_store_si256(reinterpret_cast<__m256i*>(sc + 32 * p), scales(g, p));
  }

  // ms[t][h], lane r: sum_j m[r][j] * (sum of x's sub-block j), rows 8 h .. 8 h + 7.
  static void min_sums(const uint8_t* g, const ActRows& x, int64_t b, __m256i (*ms)[2]) {
    __m256i mm[4][2];  // lane r of mm[p][h]: (m[r][2p], m[r][2p + 1]) as int16
    for (int p = 0; p < 4; ++p) {
      const __m256i v = mins(g, p);
      const __m128i a = _mm256_castsi256_si128(v), c = _mm256_extracti128_si256(v, 1);
      mm[p][0] = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(a, c));
      mm[p][1] = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(a, c));
    }
    for (int h = 0; h < 2; ++h)
      for (int t = 0; t < NT; ++t) {
        const int16_t* bs = x.bsums32(t) + 8 * b;
        ms[t][h] = _mm256_add_epi32(
            _mm256_add_epi32(_mm256_madd_epi16(mm[0][h], bcast4(bs)), _mm256_madd_epi16(mm[1][h], bcast4(bs + 2))),
            _mm256_add_epi32(_mm256_madd_epi16(mm[2][h], bcast4(bs + 4)), _mm256_madd_epi16(mm[3][h], bcast4(bs + 6))));
      }
  }
  // One token: acc -= dx * dmin * ms; dd = dx * d.
  static void apply_mins(const uint8_t* g, const ActRows& x, int64_t b, const __m256i* ms, __m256* acc, __m256* dd) {
    const __m256 dx = _mm256_set1_ps(x.d(0)[b]);
    for (int h = 0; h < 2; ++h) {
      dd[h] = _mm256_mul_ps(load_fp16x8(g + 16 * h), dx);
      acc[h] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(ms[h]), _mm256_mul_ps(load_fp16x8(g + 32 + 16 * h), dx), acc[h]);
    }
  }
  // y[t] += dx * (d * tot[t] - dmin * ms[t]).
  static void finish(const uint8_t* g, const ActRows& x, int64_t b, const __m256i (*tot)[2], const __m256i (*ms)[2],
                     float* y, int64_t ldy, bool first) {
    for (int h = 0; h < 2; ++h) {
      const __m256 d = load_fp16x8(g + 16 * h), dmin = load_fp16x8(g + 32 + 16 * h);
      for (int t = 0; t < NT; ++t) {
        const __m256 v =
            _mm256_fmsub_ps(_mm256_cvtepi32_ps(tot[t][h]), d, _mm256_mul_ps(_mm256_cvtepi32_ps(ms[t][h]), dmin));
        accumulate(y + t * ldy + 8 * h, first, _mm256_mul_ps(v, _mm256_set1_ps(x.d(t)[b])));
      }
    }
  }
};

// Q4_K. Codes 0..15 times activations in [-127, 127]: a vpmaddubsw lane is at most 3810 and a
// sub-block's 8 of them 30480, inside int16.
template <int NT>
struct Q4KRows16 : KScaleMins<NT> {
  using S = KScaleMins<NT>;
  static constexpr int kGroup = 16 * 144, kQs = 256;
  // Both nibbles of each loaded vector (two sub-blocks) where the int16 sums fit the registers.
  static constexpr int kJ = NT <= 2 ? 2 : 1;
  // One token's 16 sums kept in registers across blocks.
  static constexpr bool kKeep = NT == 1;

  static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i dup[2] = {dup_bytes_ctrl(0), dup_bytes_ctrl(1)};
    g += b0 * kGroup;
    __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      constexpr bool kStream = NT <= 2;
      if (kStream) prefetch_ahead(g, kQs);
      // Byte 16 j + r: the scale of row r, sub-block j. Written and read as whole aligned vectors:
      // a 16-byte load from half of a 32-byte store is not forwarded on Zen 4 (it waits for the store).
      alignas(32) uint8_t sc[128];
      S::unpack_scales(g, sc);
      // The mins' share first: left to the end of the block, its chain held up the next block's
      // dots. With one token (decode) the 16 sums also stay in registers across blocks, and only
      // the dots' scale waits for them. Q4_K decode in L2, against both at the end: x1.04 and
      // x1.06 (medians over 10 interleaved rounds; without any finish at all, x1.19).
      __m256i ms[NT][2];
      S::min_sums(g, x, b, ms);
      __m256 dd[2];  // kKeep: d * dx, the dots' scale
      if constexpr (kKeep) S::apply_mins(g, x, b, ms[0], acc, dd);
      const int8_t* xq[NT];
      for (int t = 0; t < NT; ++t) xq[t] = x.qs(t) + kQKK * b;
      __m256i tot[NT][2];
      for (int t = 0; t < NT; ++t) tot[t][0] = tot[t][1] = _mm256_setzero_si256();
#pragma GCC unroll 1
      for (int j0 = 0; j0 < 8; j0 += kJ) {  // vectors 8c .. 8c + 7: low nibbles sub-block 2c, high 2c + 1
        // 64-bit pointers and constant offsets (int offsets cost scalar sign extensions per load).
        const uint8_t* vc = g + kQs + ptrdiff_t(512) * (j0 / 2);
        const int8_t* xj[NT];
        for (int t = 0; t < NT; ++t) xj[t] = xq[t] + ptrdiff_t(32) * j0;
        __m256i s[kJ][NT][2];
        for (int i = 0; i < kJ * NT * 2; ++i) s[i / (2 * NT)][i / 2 % NT][i % 2] = _mm256_setzero_si256();
        // tot += the int16 sums times each row's sub-block scale; the sums restart.
        const auto widen = [&] {
#pragma GCC unroll 2
          for (int jj = 0; jj < kJ; ++jj) {
            const int j = j0 + jj;
            const __m256i two = _mm256_load_si256(reinterpret_cast<const __m256i*>(sc + 32 * (j / 2)));
            const __m256i src =
                j % 2 ? _mm256_permute2x128_si256(two, two, 0x11) : _mm256_permute2x128_si256(two, two, 0);
            for (int h = 0; h < 2; ++h) {
              const __m256i scale = _mm256_shuffle_epi8(src, dup[h]);
              for (int t = 0; t < NT; ++t) {
                tot[t][h] = _mm256_add_epi32(tot[t][h], _mm256_madd_epi16(s[jj][t][h], scale));
                s[jj][t][h] = _mm256_setzero_si256();
              }
            }
          }
        };
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) {
          const uint8_t* v = vc + 64 * k;
          const __m256i raw[2] = {load256(v), load256(v + 32)};
          if (kStream && j0 % 2 == 0) prefetch_line(v);
#pragma GCC unroll 2
          for (int jj = 0; jj < kJ; ++jj) {
            const int j = j0 + jj;
            __m256i code[2];
            for (int h = 0; h < 2; ++h) code[h] = _mm256_and_si256(j % 2 ? _mm256_srli_epi16(raw[h], 4) : raw[h], m4);
#pragma GCC unroll 4
            for (int t = 0; t < NT; ++t) {
              const __m256i xv = bcast4(xj[t] + 32 * jj + 4 * k);
              for (int h = 0; h < 2; ++h) s[jj][t][h] = dot16(s[jj][t][h], code[h], xv);
            }
          }
          if (k == 7) widen();
        }
      }
      if constexpr (kKeep)
        for (int h = 0; h < 2; ++h) acc[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(tot[0][h]), dd[h], acc[h]);
      else
        S::finish(g, x, b, tot, ms, y, ldy, b == b0);
    }
    if constexpr (kKeep)
      if (b1 > b0)
        for (int h = 0; h < 2; ++h) _mm256_storeu_ps(y + 8 * h, acc[h]);
  }

};

// Q5_K (Rows16Avx2: five vectors per sub-block hold its eight code vectors, rows16.h). Codes
// 0..31: four vpmaddubsw results (at most 4 * 7874) are added in int16 before each vpmaddwd by
// the sub-block's scale. The mins, scales and finish are Q4_K's (KScaleMins).
template <int NT>
struct Q5KRows16 {
  using Base = KScaleMins<NT>;
  static constexpr int kGroup = 16 * 176;

  static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    const __m256i dup[2] = {dup_bytes_ctrl(0), dup_bytes_ctrl(1)};
    g += b0 * kGroup;
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      constexpr bool kStream = NT <= 2;
      if (kStream) prefetch_ahead(g, 256);
      // scale[j][h], lane r: row 8 h + r's scale for sub-block j in both int16 halves.
      alignas(32) uint8_t sc[128];
      Base::unpack_scales(g, sc);
      __m256i scale[8][2];
      for (int j = 0; j < 8; ++j) {
        const __m256i two = _mm256_load_si256(reinterpret_cast<const __m256i*>(sc + 32 * (j / 2)));
        const __m256i src = j % 2 ? _mm256_permute2x128_si256(two, two, 0x11) : _mm256_permute2x128_si256(two, two, 0);
        for (int h = 0; h < 2; ++h) scale[j][h] = _mm256_shuffle_epi8(src, dup[h]);
      }
      __m256i ms[NT][2];
      Base::min_sums(g, x, b, ms);
      const int8_t* xq[NT];
      for (int t = 0; t < NT; ++t) xq[t] = x.qs(t) + kQKK * b;
      __m256i tot[NT][2];
      // Both halves at once for decode; larger tiles one half at a time (registers).
      constexpr int kH = NT <= 2 ? 2 : 1;
#pragma GCC unroll 1
      for (int h0 = 0; h0 < 2; h0 += kH) {
        __m256i acc[NT][kH];
        for (int t = 0; t < NT; ++t)
          for (int h = 0; h < kH; ++h) acc[t][h] = _mm256_setzero_si256();
#pragma GCC unroll 1
        for (int j = 0; j < 8; ++j) {
          const uint8_t* sub = g + q5_packed_codes_at(j, 0);
          if (kStream && h0 == 0)
            for (int u = 0; u < 5; ++u) prefetch_line(sub + 64 * u);
#pragma GCC unroll 2
          for (int h = 0; h < kH; ++h) {
            const auto v = [&](int u) { return load256(sub + 64 * u + 32 * (h0 + h)); };
#pragma GCC unroll 2
            for (int q = 0; q < 2; ++q) {  // code vectors 4q .. 4q + 3
              __m256i c[4];
              codes(q, v, c);
#pragma GCC unroll 8
              for (int t = 0; t < NT; ++t) {
                const int8_t* xj = xq[t] + 32 * j + 16 * q;
                const __m256i p0 = dot16(_mm256_maddubs_epi16(c[0], bcast4(xj)), c[1], bcast4(xj + 4));
                const __m256i p1 = dot16(_mm256_maddubs_epi16(c[2], bcast4(xj + 8)), c[3], bcast4(xj + 12));
                acc[t][h] = opaque(
                    _mm256_add_epi32(acc[t][h], _mm256_madd_epi16(_mm256_add_epi16(p0, p1), scale[j][h0 + h])));
              }
            }
          }
        }
        for (int t = 0; t < NT; ++t)
          for (int h = 0; h < kH; ++h) tot[t][h0 + h] = acc[t][h];
      }
      Base::finish(g, x, b, tot, ms, y, ldy, b == b0);
    }
  }

  // Code vectors 4q .. 4q + 3 of a sub-block from its five vectors v(0..4) (rows16.h): with the
  // bits below each field cleared, the 16-bit shifts bring nothing across bytes.
  template <class V>
  static void codes(int q, const V& v, __m256i* c) {
    const __m256i m1f = _mm256_set1_epi8(0x1F), m60 = _mm256_set1_epi8(0x60), m80 = _mm256_set1_epi8(char(0x80));
    if (q == 0) {
      for (int m = 0; m < 4; ++m) c[m] = _mm256_and_si256(v(m), m1f);
      return;
    }
    const __m256i v1 = v(1), v3 = v(3), v4 = v(4);
    const auto top3 = [&](__m256i a) { return _mm256_srli_epi16(_mm256_andnot_si256(m1f, a), 5); };
    c[0] = _mm256_and_si256(v4, m1f);
    c[1] = _mm256_or_si256(top3(v(0)), _mm256_srli_epi16(_mm256_and_si256(v1, m60), 2));
    c[2] = _mm256_or_si256(top3(v(2)), _mm256_srli_epi16(_mm256_and_si256(v3, m60), 2));
    c[3] = _mm256_or_si256(top3(v4), _mm256_or_si256(_mm256_srli_epi16(_mm256_and_si256(v1, m80), 4),
                                                     _mm256_srli_epi16(_mm256_and_si256(v3, m80), 3)));
  }
};

// Q6_K (Rows16Avx2). Codes 0..63 (the offset of 32 is taken off per block from the activation
// sums): a vpmaddubsw lane is at most 16002, so two are added in int16 before each vpmaddwd.
// Each sub-block's 16 codes per row come from three vectors: three codes are their bytes' low
// six bits, the fourth the top two bits of all three (11 operations for four code vectors where
// the split ql/qh layout took 17: x1.2 in L2, decode and 24-token tiles alike).
template <int NT>
struct Q6KRows16 {
  static constexpr int kGroup = 16 * 210;

  static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    const __m256i m3f = _mm256_set1_epi8(0x3F);
    g += b0 * kGroup;
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      constexpr bool kStream = NT <= 2;
      if (kStream) prefetch_ahead(g, 288);
      const int8_t* xq[NT];
      for (int t = 0; t < NT; ++t) xq[t] = x.qs(t) + kQKK * b;
      // Both halves at once for decode; larger tiles one half at a time (their sums and a
      // sub-block's codes do not fit 16 registers otherwise).
      constexpr int kH = NT <= 2 ? 2 : 1;
#pragma GCC unroll 2
      for (int h0 = 0; h0 < 2; h0 += kH) {
        __m256i tot[NT][kH];
        for (int t = 0; t < NT; ++t)
          for (int h = 0; h < kH; ++h) tot[t][h] = _mm256_setzero_si256();
#pragma GCC unroll 1
        for (int j = 0; j < 16; ++j) {
          const uint8_t* sub = g + q6_packed_codes_at(j, 0);
          if (kStream) prefetch_line(sub), prefetch_line(sub + 64), prefetch_line(sub + 128);
          // Lanes (scale, scale) of each row: from the pair's int16 (scale[r][j & ~1], scale[r][j | 1]).
          __m256i scale[kH], code[4][kH];
          for (int h = 0; h < kH; ++h) {
            const __m256i e = _mm256_cvtepi8_epi16(load128(g + 32 + 32 * (j / 2) + 16 * (h0 + h)));
            scale[h] = j % 2 ? _mm256_shufflehi_epi16(_mm256_shufflelo_epi16(e, 0xF5), 0xF5)
                             : _mm256_shufflehi_epi16(_mm256_shufflelo_epi16(e, 0xA0), 0xA0);
            // code 3 = top(v0) >> 6 | top(v1) >> 4 | top(v2) >> 2: with the low six bits of every
            // byte cleared, the 16-bit shifts bring nothing across bytes.
            __m256i top[3];
            for (int u = 0; u < 3; ++u) {
              const __m256i v = load256(sub + 64 * u + 32 * (h0 + h));
              code[u][h] = _mm256_and_si256(v, m3f);
              top[u] = _mm256_andnot_si256(m3f, v);
            }
            code[3][h] = _mm256_or_si256(
                _mm256_or_si256(_mm256_srli_epi16(top[0], 6), _mm256_srli_epi16(top[1], 4)), _mm256_srli_epi16(top[2], 2));
          }
#pragma GCC unroll 2
          for (int s = 0; s < 2; ++s) {  // codes u = 2 s and 2 s + 1
#pragma GCC unroll 8
            for (int t = 0; t < NT; ++t) {
              const __m256i x0 = bcast4(xq[t] + 16 * j + 8 * s), x1 = bcast4(xq[t] + 16 * j + 8 * s + 4);
              for (int h = 0; h < kH; ++h) {
                const __m256i p = dot16(_mm256_maddubs_epi16(code[2 * s][h], x0), code[2 * s + 1][h], x1);
                tot[t][h] = opaque(_mm256_add_epi32(tot[t][h], _mm256_madd_epi16(p, scale[h])));
              }
            }
          }
        }
        for (int h = 0; h < kH; ++h) finish(g, x, b, h0 + h, tot, h, y, ldy, b == b0);
      }
    }
  }

  // y[t] (rows of half hh) += dx * d * (tot[t][h] - 32 * sum_j scale[r][j] * (sum of x's sub-block
  // j)): the codes' offset of 32, one vpmaddwd per pair of sub-blocks.
  template <int kH>
  static void finish(const uint8_t* g, const ActRows& x, int64_t b, int hh, const __m256i (*tot)[kH], int h, float* y,
                     int64_t ldy, bool first) {
    __m256i e[8];
    for (int p = 0; p < 8; ++p) e[p] = _mm256_cvtepi8_epi16(load128(g + 32 + 32 * p + 16 * hh));
    const __m256 d = load_fp16x8(g + 16 * hh);
    for (int t = 0; t < NT; ++t) {
      const int16_t* bs = x.bsums(t) + 16 * b;
      __m256i off = _mm256_madd_epi16(e[0], bcast4(bs));
      for (int p = 1; p < 8; ++p) off = _mm256_add_epi32(off, _mm256_madd_epi16(e[p], bcast4(bs + 2 * p)));
      const __m256i sum = _mm256_sub_epi32(tot[t][h], _mm256_slli_epi32(off, 5));
      accumulate(y + t * ldy + 8 * hh, first,
                 _mm256_mul_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(d, _mm256_set1_ps(x.d(t)[b]))));
    }
  }
};

// Q8_0: codes stored as q + 128 are flipped back to q; |q| (unsigned) times x with q's sign
// (a lane is at most 2 * 128 * 127 = 32512), widened at once with vpmaddwd by ones. (Codes
// stored signed, without the flip, measured no faster: x0.98-1.03 in L2. Nor did a layout of
// signed codes two per row per vector, widened to int16 for vpmaddwd by int16 activations: two
// operations on Zen 4's multiply ports per 32 products instead of three, but as many in all:
// prompts no faster than this kernel, decode x0.91-0.97. Nor, for prompt tiles, did taking
// q + 128 as two 4-bit codes, 16 hi + lo, each times x by vpmaddubsw into int16 sums widened
// once per block, less 128 * sum(x): x0.93-0.99 over 11 pairs, as vpaddw also holds the ports.)
template <int NT>
struct Q8_0Rows16 {
  static constexpr int kGroup = 16 * 34;
  static constexpr int kH = NT <= 2 ? 2 : 1;  // halves per pass (registers)

  // Decode passes take both halves, larger tiles one half per pass over the blocks; either way
  // the float sums stay in registers across blocks and y is written once (prompt shapes x1.04-1.12
  // against adding into y per block).
  static void run(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy) {
    for (int h0 = 0; h0 < 2; h0 += kH) pass(g, x, b0, b1, y, ldy, h0);
  }

  static void pass(const uint8_t* g, const ActRows& x, int64_t b0, int64_t b1, float* y, int64_t ldy, int h0) {
    const __m256i flip = _mm256_set1_epi8(char(0x80)), ones = _mm256_set1_epi16(1);
    g += b0 * kGroup;
    __m256 acc[NT][kH];
    for (int t = 0; t < NT; ++t)
      for (int h = 0; h < kH; ++h) acc[t][h] = _mm256_setzero_ps();
    for (int64_t b = b0; b < b1; ++b, g += kGroup) {
      if (NT <= 2) prefetch_ahead(g, kGroup);
      const int8_t* xq[NT];
      for (int t = 0; t < NT; ++t) xq[t] = x.qs(t) + kQK * b;
      __m256i s[NT][kH];
      for (int t = 0; t < NT; ++t)
        for (int h = 0; h < kH; ++h) s[t][h] = _mm256_setzero_si256();
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) {
        __m256i q[kH], a[kH];
        for (int h = 0; h < kH; ++h) {
          q[h] = _mm256_xor_si256(load256(g + 32 + 64 * k + 32 * (h0 + h)), flip);
          a[h] = _mm256_abs_epi8(q[h]);
        }
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) {
          const __m256i xv = bcast4(xq[t] + 4 * k);
          for (int h = 0; h < kH; ++h)
            s[t][h] = opaque(_mm256_add_epi32(
                s[t][h], _mm256_madd_epi16(_mm256_maddubs_epi16(a[h], _mm256_sign_epi8(xv, q[h])), ones)));
        }
      }
      for (int h = 0; h < kH; ++h) {
        const __m256 dw = load_fp16x8(g + 16 * (h0 + h));
        for (int t = 0; t < NT; ++t)
          acc[t][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[t][h]), _mm256_mul_ps(dw, _mm256_set1_ps(x.d(t)[b])), acc[t][h]);
      }
    }
    if (b1 > b0)
      for (int t = 0; t < NT; ++t)
        for (int h = 0; h < kH; ++h) _mm256_storeu_ps(y + t * ldy + 8 * (h0 + h), acc[t][h]);
  }
};

}  // namespace

// Tiles: Q5_K, Q6_K and Q8_0 take up to 8 tokens a pass (the driver's kGemmTile), each code
// vector decoded once for all of them (one thread, 2048 x 8192 x 256 tokens against passes of 4:
// Q6_K x1.06-1.09, Q5_K x1.04, Q8_0 x1.02-1.04). Q4_K keeps passes of 4 over both halves: one half
// per pass of 8 measured x0.88-0.99, as did 8-token passes of the 32-value formats (x0.92-1.02).
Rows16Fn avx2_rows16(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_K: return by_tile4<Q4KRows16>;
    case GgmlType::Q5_K: return by_tile<Q5KRows16, kGemmTile>;
    case GgmlType::Q6_K: return by_tile<Q6KRows16, kGemmTile>;
    case GgmlType::Q8_0: return by_tile<Q8_0Rows16, kGemmTile>;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K: return avx2_rows16_low(t);
    default: return avx2_rows16_legacy(t);
  }
}

}  // namespace frugal::kernels
