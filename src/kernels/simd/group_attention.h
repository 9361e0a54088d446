// SIMD body of attend_group (kernels/attention.h), written once over a vector-traits struct T
// and instantiated per ISA: x86/attention_impl.h (Vec512, Vec256) for avx512/ and avx2/,
// neon/attention_neon.cpp (VecNeon). Include it only from those, after T's definition: it is in
// an anonymous namespace, so each ISA's build keeps its own instances.
//
// T provides: V (a vector of kWidth floats), kScoreHeads, kPairHeads, kValueHeads, kValueVecs
// (register budgets: scores hold kScoreHeads x 4 accumulators + 4 key vectors + 1 query vector,
// or kPairHeads x 2 + 2 + 1 (pair tiles, used where kPairHeads > kScoreHeads); values
// kValueHeads x kValueVecs accumulators + kValueVecs value vectors + 1 broadcast), zero, set1,
// load (from float, IEEE half as uint16_t, int8_t), store, add, sub, mul, max, fmadd (a * b + c),
// fnmadd (c - a * b), pin (x, held in a register: a loaded value the compiler would otherwise fold
// into every instruction that uses it, loading it again each time), round (to nearest), ldexp
// (p * 2^n, integral n in [-126, 127]), hsum, hmax, half (one IEEE half to float), store_sums4
// (out[i] = scale * hsum(v[i]), i < 4) and transpose (r[i] <- column i of the kWidth x kWidth
// matrix whose rows are r).
//
// Positions are processed in blocks (attend_block) with an online softmax: per block, the
// scores of every head (each key row loaded once and multiplied with all the group's queries),
// the running max and sum updated (earlier partial outputs rescaled by e^(old max - new max)),
// then the weighted values (each value row loaded once for all heads). A block's rows are still
// in cache when the value pass reads them, so latent attention, whose values are the keys'
// first dims, reads its cache once.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include "kernels/attention.h"

namespace frugal::kernels {
namespace {

// e^x for x <= 0 (scores minus their max): x = n ln2 + r with |r| <= ln2/2, e^r by a degree-6
// Taylor polynomial (relative error < 2e-7), times 2^n. Below -87.3 it returns e^-87.3 (~1e-38)
// rather than less: nothing beside the max's own term of 1.
template <class T>
typename T::V exp_nonpositive(typename T::V x) {
  x = T::max(x, T::set1(-87.3f));
  const auto n = T::round(T::mul(x, T::set1(1.44269504f)));
  auto r = T::fnmadd(n, T::set1(0.693359375f), x);  // ln2 in two parts: n * hi is exact
  r = T::fnmadd(n, T::set1(-2.12194440e-4f), r);
  auto p = T::set1(1.0f / 720);
  for (float c : {1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f}) p = T::fmadd(p, r, T::set1(c));
  return T::ldexp(p, n);
}

// Elements [c, c + W) of a cached row as f32, given the broadcast scale of their block (q8_0;
// ignored for the float types): float and half elements widened by T::load, q8_0 codes
// (int8_t) times their block's scale. The hot loops convert each block's scale once.
template <class T>
typename T::V load_scaled(const float* row, typename T::V /*scale*/, int64_t c) { return T::load(row + c); }
template <class T>
typename T::V load_scaled(const uint16_t* row, typename T::V /*scale*/, int64_t c) { return T::load(row + c); }
template <class T>
typename T::V load_scaled(const int8_t* row, typename T::V scale, int64_t c) { return T::mul(T::load(row + c), scale); }
// The broadcast scale of the block holding element c (q8_0: a vector never straddles a block,
// as W divides it), or zero for the float types.
template <class T, class E>
typename T::V block_scale(const uint16_t* scales, int64_t c) {
  static_assert(kKvQ8Block % T::kWidth == 0);
  if constexpr (std::is_same_v<E, int8_t>) return T::set1(T::half(scales[c / kKvQ8Block]));
  else return T::zero();
}
// Elements [c, c + W) of a cached row (scales: the row's q8_0 scales, null for the float types).
template <class T, class E>
typename T::V load_row(const E* row, const uint16_t* scales, int64_t c) {
  return load_scaled<T>(row, block_scale<T, E>(scales, c), c);
}

// Row j's scales (q8_0), or null for the float types, whose scales pointer is null.
inline const uint16_t* scales_at(const uint16_t* s, int64_t stride, int64_t j) { return s ? s + j * stride : nullptr; }

// Rows [0, rows) of `width` cached elements (row stride in elements of E; q8_0 scales per row
// scale_stride apart) widened to f32 rows of `width` floats at dst.
template <class T, class E>
void widen_rows(float* dst, const E* src, int64_t stride, const uint16_t* scales, int64_t scale_stride, int64_t rows,
                int64_t width) {
  for (int64_t j = 0; j < rows; ++j) {
    const uint16_t* sj = scales_at(scales, scale_stride, j);
    for (int64_t c = 0; c < width; c += T::kWidth) T::store(dst + j * width + c, load_row<T>(src + j * stride, sj, c));
  }
}

// The first `bytes` of cache rows [j, j + r) (row stride in elements of E) prefetched into L2.
template <class E>
void prefetch_rows_l2(const E* base, int64_t stride, int64_t j, int64_t r, int64_t bytes) {
  for (int64_t i = j; i < j + r; ++i) {
    const char* p = reinterpret_cast<const char*>(base + i * stride);
    for (int64_t o = 0; o < bytes; o += 64) __builtin_prefetch(p + o, 0, 2);
  }
}

// E: the element type of the cached keys and values, float, uint16_t (IEEE half) or int8_t
// (q8_0 codes), widened by load_row.
template <class T, class E>
class GroupAttention {
 public:
  // scratch: attend_scratch_floats(a) floats; a.dk and a.dv multiples of T::kWidth.
  static void run(const HeadGroup& a, float* scratch) {
    Block b;
    const int64_t block = attend_block(a.n_q, a.dk, a.kv);
    b.ld = attend_score_stride(a.n, block);
    b.p = scratch;
    b.m = b.p + a.n_q * b.ld;
    b.l = b.m + a.n_q;
    b.corr = b.l + a.n_q;
    b.inv = b.corr + a.n_q;
    b.kt = attend_transposes(a.n_q, a.dk) ? b.inv + a.n_q : nullptr;
    b.kw = !std::is_same_v<E, float> && attend_widens(a.n_q, a.dk, a.kv) ? b.inv + a.n_q : nullptr;
    // Values packed once a block's rows are re-read by 8 head sub-groups or more (microbench,
    // n 512: 64 queries 55-57 -> 53-54 us; 16 queries 5% slower, so not there). Half values
    // (and q8_0) values are always widened there once the keys are transposed: every sub-group
    // would convert them.
    const bool pack = !std::is_same_v<E, float> || a.n_q >= 8 * T::kValueHeads;
    b.vp = b.kt && pack ? b.kt + a.dk * kAttendCopiedBlock : nullptr;
    // Widened keys: values widened beside them, or (aliased, as latent attention's) read from them.
    if (b.kw && !values_are_keys(a)) b.vp = b.kw + a.dk * kAttendCopiedBlock;
    for (int64_t j0 = 0; j0 < a.n; j0 += block) {
      b.j0 = j0;
      b.nb = std::min(block, a.n - j0);
      b.first = j0 == 0;
      b.last = j0 + b.nb == a.n;
      block_scores(a, b);
      for (int64_t i = 0; i < a.n_q; ++i) block_softmax(b, i, a.lens ? a.lens[i] - j0 : b.nb, a.lse);
      block_values(a, b);
    }
  }

 private:
  using V = typename T::V;
  static constexpr int W = T::kWidth;

  // One block of positions [j0, j0 + nb) and the softmax state, all in scratch.
  struct Block {
    int64_t j0 = 0, nb = 0;
    int64_t ld = 0;          // row stride of p
    float* p = nullptr;      // [n_q][ld]: scores, then e^(score - running max)
    float* m = nullptr;      // [n_q] running max
    float* l = nullptr;      // [n_q] running sum of e^(score - m)
    float* corr = nullptr;   // [n_q] e^(previous m - m): rescales the outputs so far
    float* inv = nullptr;    // [n_q] 1 / l, on the last block
    float* kt = nullptr;     // [dk][kAttendCopiedBlock] the block's keys transposed (attend_transposes)
    float* vp = nullptr;     // [kAttendCopiedBlock][dv] the block's values packed (with kt, many queries)
    float* kw = nullptr;     // [kAttendCopiedBlock][dk] the block's keys widened to f32 (attend_widens)
    const void* v = nullptr;  // the block's first value row: in a.v (type E), or vp (float)
    int64_t v_stride = 0;
    const uint16_t* vs = nullptr;  // q8_0 values in a.v: the first row's scales
    int64_t vs_stride = 0;
    bool first = false, last = false;
  };

  // Value rows a score pass prefetches into L2 (none where v is null), J rows per step.
  struct ValuePrefetch {
    const E* v = nullptr;  // the row of the first step
    int64_t stride = 0, bytes = 0;
  };

  // s[g * ld + t * J + j] = scale * q_g . k_{t * J + j} for heads g < G, positions j < J (1, 2 or
  // 4) of `steps` steps t. KE: the keys' element type, E or (widened) float; k_stride in elements
  // of KE. One call for many steps: a step's sums overlap the next step's multiply-adds.
  template <class KE, int G, int J>
  static void score_tile(const HeadGroup& a, const float* q, const KE* k, int64_t k_stride, const uint16_t* ks,
                         float* s, int64_t ld, int64_t steps, ValuePrefetch pf) {
    for (int64_t t = 0; t < steps; ++t, k += J * k_stride, ks = scales_at(ks, a.k_scale_stride, J), s += J) {
      if (pf.v) prefetch_rows_l2(pf.v, pf.stride, t * J, J, pf.bytes);
      score_rows<KE, G, J>(a, q, k, k_stride, ks, s, ld);
    }
  }

  // One step of score_tile (inlined into its loop).
  template <class KE, int G, int J>
  [[gnu::always_inline]] static void score_rows(const HeadGroup& a, const float* q, const KE* k, int64_t k_stride,
                                                const uint16_t* ks, float* s, int64_t ld) {
    V acc[G][J];
    for (int g = 0; g < G; ++g)
      for (int j = 0; j < J; ++j) acc[g][j] = T::zero();
    // Float and half keys and the queries loaded once per step (pinned: folded into the
    // multiply-adds, a key was loaded once per head, and the loads bound the loop: x1.13-1.22 in
    // L2, absorbed latent attention x1.17; q8_0 keys, widened and scaled, are values already).
    constexpr bool kPin = !std::is_same_v<KE, int8_t>;
    const auto step = [&](int64_t c, const V (&sc)[J]) {
      V kv[J];
      for (int j = 0; j < J; ++j) {
        kv[j] = load_scaled<T>(k + j * k_stride, sc[j], c);
        if constexpr (kPin) kv[j] = T::pin(kv[j]);
      }
      for (int g = 0; g < G; ++g) {
        V qv = T::load(q + g * a.q_stride + c);
        if constexpr (kPin) qv = T::pin(qv);
        for (int j = 0; j < J; ++j) acc[g][j] = T::fmadd(qv, kv[j], acc[g][j]);
      }
    };
    if constexpr (std::is_same_v<KE, int8_t>) {  // steps of one q8_0 block: each row's scale converted once
      for (int64_t c0 = 0; c0 < a.dk; c0 += kKvQ8Block) {
        V sc[J];
        for (int j = 0; j < J; ++j) sc[j] = block_scale<T, KE>(scales_at(ks, a.k_scale_stride, j), c0);
        for (int64_t c = c0; c < std::min(c0 + kKvQ8Block, a.dk); c += W) step(c, sc);
      }
    } else {
      V sc[J];
      for (int j = 0; j < J; ++j) sc[j] = T::zero();
      for (int64_t c = 0; c < a.dk; c += W) step(c, sc);
    }
    for (int g = 0; g < G; ++g) {
      if constexpr (J == 4) {
        T::store_sums4(s + g * ld, acc[g], a.scale);
      } else if constexpr (J == 2) {  // heads g and g + 1 (or g alone) at positions 0 and 1
        float t[4];
        const V z = T::zero();
        T::store_sums4(t, {acc[g][0], acc[g][1], g + 1 < G ? acc[g + 1][0] : z, g + 1 < G ? acc[g + 1][1] : z},
                       a.scale);
        s[g * ld] = t[0], s[g * ld + 1] = t[1];
        if (g + 1 < G) s[(g + 1) * ld] = t[2], s[(g + 1) * ld + 1] = t[3];
        ++g;
      } else {
        s[g * ld] = T::hsum(acc[g][0]) * a.scale;
      }
    }
  }

  // out tile [c0, c0 + U * W) of heads i0 .. i0 + G: previous partial sums rescaled by corr
  // (none on the first block), plus sum_j p[g][j] v_j over the block, times 1/l on the last.
  template <class VE, int G, int U>
  static void value_tile(const HeadGroup& a, const Block& b, int64_t i0, int64_t c0) {
    V acc[G][U];
    for (int g = 0; g < G; ++g) {
      const float* o = a.out + (i0 + g) * a.out_stride + c0;
      const V f = T::set1(b.corr[i0 + g]);
      for (int u = 0; u < U; ++u) acc[g][u] = b.first ? T::zero() : T::mul(T::load(o + u * W), f);
    }
    const float* p = b.p + i0 * b.ld;
    const VE* v = static_cast<const VE*>(b.v);
    const uint16_t* vs = b.vs;
    for (int64_t j = 0; j < b.nb; ++j, v += b.v_stride, vs = scales_at(vs, b.vs_stride, 1)) {
      V vv[U];
      V sc = block_scale<T, VE>(vs, c0);  // a tile starts on a vector; a new block, a new scale
      for (int u = 0; u < U; ++u) {
        if (u > 0 && (c0 + u * W) % kKvQ8Block == 0) sc = block_scale<T, VE>(vs, c0 + u * W);
        vv[u] = load_scaled<T>(v, sc, c0 + u * W);
      }
      for (int g = 0; g < G; ++g) {
        const V pg = T::set1(p[g * b.ld + j]);
        for (int u = 0; u < U; ++u) acc[g][u] = T::fmadd(pg, vv[u], acc[g][u]);
      }
    }
    for (int g = 0; g < G; ++g) {
      float* o = a.out + (i0 + g) * a.out_stride + c0;
      const V f = T::set1(b.last ? b.inv[i0 + g] : 1.0f);
      for (int u = 0; u < U; ++u) T::store(o + u * W, T::mul(acc[g][u], f));
    }
  }

  // s[g * ld + jc + j] = scale * q_{i0 + g} . k_{j0 + jc + j} for j < U * W, from the transposed
  // keys: one broadcast query element times U vectors of 16 (8) positions per step, no sums
  // across lanes.
  template <int G, int U>
  static void score_tile_t(const HeadGroup& a, const Block& b, int64_t i0, int64_t jc) {
    V acc[G][U];
    for (int g = 0; g < G; ++g)
      for (int u = 0; u < U; ++u) acc[g][u] = T::zero();
    const float* q = a.q + i0 * a.q_stride;
    const float* kt = b.kt + jc;
    for (int64_t d = 0; d < a.dk; ++d, kt += kAttendCopiedBlock) {
      V kv[U];
      for (int u = 0; u < U; ++u) kv[u] = T::load(kt + u * W);
      for (int g = 0; g < G; ++g) {
        const V qg = T::set1(q[g * a.q_stride + d]);
        for (int u = 0; u < U; ++u) acc[g][u] = T::fmadd(qg, kv[u], acc[g][u]);
      }
    }
    const V scale = T::set1(a.scale);
    for (int g = 0; g < G; ++g)
      for (int u = 0; u < U; ++u) T::store(b.p + (i0 + g) * b.ld + jc + u * W, T::mul(acc[g][u], scale));
  }

  // Tables of the instances by sub-group size (and tile width), chosen at run time.
  template <class KE>
  using ScoreFn = void (*)(const HeadGroup&, const float*, const KE*, int64_t, const uint16_t*, float*, int64_t,
                           int64_t, ValuePrefetch);
  using TileFn = void (*)(const HeadGroup&, const Block&, int64_t, int64_t);
  template <class KE, int J, int... G>
  static constexpr std::array<ScoreFn<KE>, sizeof...(G)> score_table(std::integer_sequence<int, G...>) {
    return {&score_tile<KE, G + 1, J>...};
  }
  // Score tiles (kScores) or value tiles over value rows of type VE.
  template <bool kScores, class VE, int G, int U>
  static void tile(const HeadGroup& a, const Block& b, int64_t i0, int64_t c0) {
    if constexpr (kScores) score_tile_t<G, U>(a, b, i0, c0);
    else value_tile<VE, G, U>(a, b, i0, c0);
  }
  template <bool kScores, class VE, int G, int... U>
  static constexpr std::array<TileFn, sizeof...(U)> tile_row(std::integer_sequence<int, U...>) {
    return {&tile<kScores, VE, G, U + 1>...};
  }
  // [heads - 1][vectors - 1] for up to kValueHeads heads and kValueVecs vectors.
  template <bool kScores, class VE, int... G>
  static constexpr auto tile_table(std::integer_sequence<int, G...>) {
    return std::array<std::array<TileFn, T::kValueVecs>, sizeof...(G)>{
        tile_row<kScores, VE, G + 1>(std::make_integer_sequence<int, T::kValueVecs>{})...};
  }
  // fn(g, u, i0, c0) over head sub-groups (inner) and tiles of up to kValueVecs vectors of [0, n).
  // A last tile of one vector (with 4 heads: 4 multiply-adds per 5 loads, against 12 per 7 in a
  // tile of 3) is avoided where tiles hold three or more: the last two tiles become two of two or
  // more (AVX2's tiles of 3 over 16 vectors: 3 3 3 3 2 2, not 3 3 3 3 3 1).
  template <class F>
  static void tiles(const HeadGroup& a, int64_t n, F&& fn) {
    constexpr int64_t U = T::kValueVecs;
    const int64_t nv = (n + W - 1) / W;
    const bool rebalance = U >= 3 && nv > U && nv % U == 1;
    for (int64_t v0 = 0; v0 < nv;) {
      const int64_t left = nv - v0;
      const int64_t u = rebalance && left == U + 1 ? (U + 1) / 2 : std::min(U, left);
      for (int64_t i0 = 0; i0 < a.n_q; i0 += T::kValueHeads)
        fn(std::min<int64_t>(T::kValueHeads, a.n_q - i0), u, i0, v0 * W);
      v0 += u;
    }
  }

  // Scores of the block for every head. The block's value rows are prefetched into L2
  // meanwhile: the value pass reads them in stripes of a tile's dims, a pattern the hardware
  // prefetchers follow badly (decode over 4096 positions from DRAM, one thread: 1.3x; keys
  // prefetched ahead as well, or instead, measured no faster).
  static void block_scores(const HeadGroup& a, const Block& b) {
    if (b.kt) return block_scores_transposed(a, b);
    // Latent attention reads its values with the keys.
    const ValuePrefetch pf = values_are_keys(a) ? ValuePrefetch{}
                                                : ValuePrefetch{static_cast<const E*>(a.v) + b.j0 * a.v_stride,
                                                                a.v_stride, a.dv * int64_t(sizeof(E))};
    const E* k = static_cast<const E*>(a.k) + b.j0 * a.k_stride;
    const uint16_t* ks = scales_at(a.k_scales, a.k_scale_stride, b.j0);
    if (!b.kw && one_sub_group(a)) return score_rows_all(a, b, k, ks, pf);
    // Positions outer, head sub-groups inner: the 4 key rows of a step stay in L1 while every
    // sub-group reads them.
    for (int64_t jj = 0; jj < b.nb;) {
      const int64_t r = jj + 4 <= b.nb ? 4 : 1;
      const E* kj = k + jj * a.k_stride;
      const uint16_t* ksj = scales_at(ks, a.k_scale_stride, jj);
      const ValuePrefetch pj = pf.v ? ValuePrefetch{pf.v + jj * pf.stride, pf.stride, pf.bytes} : pf;
      if (b.kw) {  // the step's rows widened once, then read by every sub-group from L1
        float* kw = b.kw + jj * a.dk;
        widen_rows<T>(kw, kj, a.k_stride, ksj, a.k_scale_stride, r, a.dk);
        score_step<float>(a, b, jj, r, kw, a.dk, nullptr, pj);
      } else {
        score_step<E>(a, b, jj, r, kj, a.k_stride, ksj, pj);
      }
      jj += r;
    }
  }

  // Whether one score tile takes all the group's heads: up to kScoreHeads over steps of 4
  // positions, or up to kPairHeads = 2 kScoreHeads over pairs of positions, so that each key is
  // loaded (and widened) once rather than once per sub-group (q8_0 keys x1.13 on AVX2).
  static constexpr int kPairHeads = T::kPairHeads;
  static bool one_sub_group(const HeadGroup& a) { return a.n_q <= std::max(T::kScoreHeads, kPairHeads); }
  // Whether the positions-outer path takes sub-groups of kPairHeads over pairs of positions:
  // where the queries stay in L1 while a step's two pairs re-read them (AVX2, decode over 4096
  // positions: 8 heads of 128 dims x1.04-1.09; 16 heads of 192 dims, 12 KiB of queries, x0.80
  // with half keys; absorbed latent attention's 16 heads of 576 dims x0.89).
  static bool pair_sub_groups(const HeadGroup& a) {
    return kPairHeads > T::kScoreHeads && a.n_q * a.dk * int64_t(sizeof(float)) <= 8 * 1024;
  }

  // The scores of all the block's positions for a group that one tile takes: one call for the
  // steps of 4 or 2 positions, then the last positions one by one (score_step).
  static void score_rows_all(const HeadGroup& a, const Block& b, const E* k, const uint16_t* ks, ValuePrefetch pf) {
    static constexpr auto kScore4 = score_table<E, 4>(std::make_integer_sequence<int, T::kScoreHeads>{});
    const int64_t n4 = b.nb / 4 * 4, g = a.n_q;
    if constexpr (kPairHeads > T::kScoreHeads) {
      static constexpr auto kScore2 = score_table<E, 2>(std::make_integer_sequence<int, kPairHeads>{});
      if (g > T::kScoreHeads) kScore2[size_t(g - 1)](a, a.q, k, a.k_stride, ks, b.p, b.ld, n4 / 2, pf);
    }
    if (g <= T::kScoreHeads) kScore4[size_t(g - 1)](a, a.q, k, a.k_stride, ks, b.p, b.ld, n4 / 4, pf);
    for (int64_t j = n4; j < b.nb; ++j)
      score_step<E>(a, b, j, 1, k + j * a.k_stride, a.k_stride, scales_at(ks, a.k_scale_stride, j),
                    pf.v ? ValuePrefetch{pf.v + j * pf.stride, pf.stride, pf.bytes} : pf);
  }

  // Scores of positions [jj, jj + r) (r: 4 or 1) for every head, from keys of type KE.
  template <class KE>
  static void score_step(const HeadGroup& a, const Block& b, int64_t jj, int64_t r, const KE* k, int64_t k_stride,
                         const uint16_t* ks, ValuePrefetch pf) {
    static constexpr auto kScore4 = score_table<KE, 4>(std::make_integer_sequence<int, T::kScoreHeads>{});
    static constexpr auto kScore1 = score_table<KE, 1>(std::make_integer_sequence<int, T::kScoreHeads>{});
    if constexpr (kPairHeads > T::kScoreHeads) {
      static constexpr auto kScore2 = score_table<KE, 2>(std::make_integer_sequence<int, kPairHeads>{});
      if (r == 4 && pair_sub_groups(a)) {
        for (int64_t i0 = 0; i0 < a.n_q; i0 += kPairHeads) {
          const int64_t g = std::min<int64_t>(kPairHeads, a.n_q - i0);
          kScore2[size_t(g - 1)](a, a.q + i0 * a.q_stride, k, k_stride, ks, b.p + i0 * b.ld + jj, b.ld, 2,
                                 i0 == 0 ? pf : ValuePrefetch{});
        }
        return;
      }
    }
    const auto& fns = r == 4 ? kScore4 : kScore1;
    for (int64_t i0 = 0; i0 < a.n_q; i0 += T::kScoreHeads) {
      const int64_t g = std::min<int64_t>(T::kScoreHeads, a.n_q - i0);
      fns[size_t(g - 1)](a, a.q + i0 * a.q_stride, k, k_stride, ks, b.p + i0 * b.ld + jj, b.ld, 1,
                         i0 == 0 ? pf : ValuePrefetch{});
    }
  }

  // Many queries per key (prompt tiles): the block's keys transposed once, then
  // scores of W positions per vector. Positions past nb get zero keys (scores never read).
  static void block_scores_transposed(const HeadGroup& a, const Block& b) {
    const E* k = static_cast<const E*>(a.k) + b.j0 * a.k_stride;
    const uint16_t* ks = scales_at(a.k_scales, a.k_scale_stride, b.j0);
    for (int64_t jc = 0; jc < b.nb; jc += W) {
      const int64_t rows = std::min<int64_t>(W, b.nb - jc);
      for (int64_t dc = 0; dc < a.dk; dc += W) {
        V r[W];
        for (int i = 0; i < W; ++i)
          r[i] = i < rows ? load_row<T>(k + (jc + i) * a.k_stride, scales_at(ks, a.k_scale_stride, jc + i), dc)
                          : T::zero();
        T::transpose(r);
        for (int i = 0; i < W; ++i) T::store(b.kt + (dc + i) * kAttendCopiedBlock + jc, r[i]);
      }
    }
    static constexpr auto kScore = tile_table<true, float>(std::make_integer_sequence<int, T::kValueHeads>{});
    tiles(a, b.nb, [&](int64_t g, int64_t u, int64_t i0, int64_t jc) { kScore[size_t(g - 1)][size_t(u - 1)](a, b, i0, jc); });
  }

  // Head i's scores -> e^(s - m) with m the running max; updates l and the rescale factor.
  // Only the block's first `valid` positions count (the query's causal length); the others get
  // weight 0. The first block always holds position 0, so m is finite from then on. On the last
  // block, lse (when asked for) gets m + log(l).
  static void block_softmax(const Block& b, int64_t i, int64_t valid, float* lse) {
    float* s = b.p + i * b.ld;
    const int64_t nb = std::clamp<int64_t>(valid, 0, b.nb);
    std::fill(s + nb, s + b.nb, 0.0f);
    int64_t j = 0;
    V vmax = T::set1(-std::numeric_limits<float>::infinity());
    for (; j + W <= nb; j += W) vmax = T::max(vmax, T::load(s + j));
    float bm = T::hmax(vmax);
    for (; j < nb; ++j) bm = std::max(bm, s[j]);
    const float m = b.first ? bm : std::max(b.m[i], bm);
    const V vm = T::set1(m);
    V vsum = T::zero();
    for (j = 0; j + W <= nb; j += W) {
      const V e = exp_nonpositive<T>(T::sub(T::load(s + j), vm));
      T::store(s + j, e);
      vsum = T::add(vsum, e);
    }
    float sum = T::hsum(vsum);
    for (; j < nb; ++j) sum += s[j] = std::exp(s[j] - m);
    b.corr[i] = b.first ? 0.0f : std::exp(b.m[i] - m);
    b.l[i] = b.first ? sum : b.l[i] * b.corr[i] + sum;
    b.m[i] = m;
    if (!b.last) return;
    b.inv[i] = 1.0f / b.l[i];
    if (lse) lse[i] = m + std::log(b.l[i]);
  }

  // Whether the values are the keys' first dv dims (latent attention's aliased rows).
  static bool values_are_keys(const HeadGroup& a) {
    return a.v == a.k && a.v_stride == a.k_stride && a.v_scales == a.k_scales && a.v_scale_stride == a.k_scale_stride;
  }

  // Weighted values of the block. Tiles of dims outer, head sub-groups inner: the block's
  // stripe of value rows for one tile stays in L1 while every sub-group reads it. With many
  // queries the rows are first packed together: a cache's rows lie a few KiB apart, so a
  // block's stripes share a handful of L1 sets and would come from L2 for every sub-group.
  static void block_values(const HeadGroup& a, Block& b) {
    const E* v = static_cast<const E*>(a.v) + b.j0 * a.v_stride;
    b.v = v;
    b.v_stride = a.v_stride;
    b.vs = scales_at(a.v_scales, a.v_scale_stride, b.j0);
    b.vs_stride = a.v_scale_stride;
    bool widened = b.vp != nullptr;
    if (b.kw && values_are_keys(a)) {  // the block's keys, widened by the score pass
      b.v = b.kw;
      b.v_stride = a.dk;
      b.vs = nullptr;
      b.vs_stride = 0;
      widened = true;
    } else if (b.vp) {
      widen_rows<T>(b.vp, v, a.v_stride, b.vs, b.vs_stride, b.nb, a.dv);
      b.v = b.vp;
      b.v_stride = a.dv;
      b.vs = nullptr;
      b.vs_stride = 0;
    }
    static constexpr auto kFloat = tile_table<false, float>(std::make_integer_sequence<int, T::kValueHeads>{});
    static constexpr auto kCached = tile_table<false, E>(std::make_integer_sequence<int, T::kValueHeads>{});
    const auto& fns = widened ? kFloat : kCached;
    tiles(a, a.dv,
          [&](int64_t g, int64_t u, int64_t i0, int64_t c0) { fns[size_t(g - 1)][size_t(u - 1)](a, b, i0, c0); });
  }
};

}  // namespace
}  // namespace frugal::kernels
