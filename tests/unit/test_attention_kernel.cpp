// Grouped decode attention: every ISA the CPU runs against the double-accumulating reference,
// on GQA and latent-attention shapes with padded strides and aliased keys/values.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/fp16.h"
#include "kernels/attention.h"
#include "kernels/ops.h"

namespace frugal::kernels {
namespace {

struct Shape {
  int64_t n_q, dk, dv, n;
};

// Buffers for one group with rows padded past their dims (strides != dims catch indexing
// mistakes); alias: v = k with the same stride (latent attention, dv <= dk). With a half cache
// g reads k16/v16, with a q8_0 cache k8/v8 and their scales (rows of scales padded too), and
// k/v hold the same values widened (the f32 group of the same numbers).
struct GroupData {
  std::vector<float> q, k, v;
  std::vector<uint16_t> k16, v16;
  std::vector<int8_t> k8, v8;
  std::vector<uint16_t> ks, vs;  // q8_0 scales
  HeadGroup g{};

  GroupData(const Shape& s, bool alias, uint32_t seed, KvType kv = KvType::F32) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    const int64_t q_stride = s.dk + 5, k_stride = s.dk + 7, v_stride = alias ? k_stride : s.dv + 3;
    q.resize(size_t(s.n_q * q_stride));
    k.resize(size_t(s.n * k_stride));
    for (auto& x : q) x = d(rng);
    for (auto& x : k) x = d(rng);
    if (!alias) {
      v.resize(size_t(s.n * v_stride));
      for (auto& x : v) x = d(rng);
    }
    // Scores of a few units: softmaxes neither flat nor one-hot.
    const float scale = 2.0f / std::sqrt(float(s.dk));
    g = {q.data(), q_stride, s.n_q, k.data(), k_stride, s.dk, alias ? k.data() : v.data(), v_stride, s.dv,
         s.n, scale, nullptr, s.dv + 2};
    if (kv == KvType::F16) {
      for (auto [f, h] : {std::pair{&k, &k16}, std::pair{&v, &v16}})
        for (float& x : *f) {
          h->push_back(float_to_fp16(x));
          x = fp16_to_float(h->back());
        }
      g.k = k16.data();
      g.v = alias ? k16.data() : v16.data();
      g.kv = kv;
    }
    if (kv == KvType::Q8_0) {
      g.k_scale_stride = kv_row_scales(kv, s.dk) + 1;
      g.v_scale_stride = alias ? g.k_scale_stride : kv_row_scales(kv, s.dv) + 2;
      quantize(k, k8, ks, s.n, k_stride, s.dk, g.k_scale_stride);
      if (!alias) quantize(v, v8, vs, s.n, v_stride, s.dv, g.v_scale_stride);
      g.k = k8.data();
      g.v = alias ? k8.data() : v8.data();
      g.k_scales = ks.data();
      g.v_scales = alias ? ks.data() : vs.data();
      g.kv = kv;
    }
  }
  // Rows [0, n) of f (first `width` of each `stride` values) to q8_0 codes and scales; f gets the
  // values the codes stand for.
  static void quantize(std::vector<float>& f, std::vector<int8_t>& codes, std::vector<uint16_t>& scales, int64_t n,
                       int64_t stride, int64_t width, int64_t scale_stride) {
    codes.assign(f.size(), 0);
    scales.assign(size_t(n * scale_stride), 0);
    for (int64_t j = 0; j < n; ++j) {
      to_q8_row(f.data() + j * stride, codes.data() + j * stride, scales.data() + j * scale_stride, width);
      from_q8_row(codes.data() + j * stride, scales.data() + j * scale_stride, f.data() + j * stride, width);
    }
  }
  // The same group over the f32 copies of the keys and values.
  HeadGroup f32() const {
    HeadGroup r = g;
    r.k = k.data();
    r.v = g.v == g.k ? k.data() : v.data();
    r.kv = KvType::F32;
    return r;
  }
};

std::vector<Isa> isas() {
  std::vector<Isa> r;
  for (Isa i : {Isa::Reference, Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon})
    if (cpu_supports(i)) r.push_back(i);
  return r;
}

// Runs g with isa into a NaN-filled output (every value must be written) and a scratch buffer
// of exactly attend_scratch_floats followed by guard values (none may be touched).
std::vector<float> run(Isa isa, HeadGroup g) {
  std::vector<float> out(size_t(g.n_q * g.out_stride), std::nanf(""));
  const int64_t need = attend_scratch_floats(g);
  constexpr int64_t kGuard = 64;
  std::vector<float> scratch(size_t(need + kGuard), -7.0f);
  g.out = out.data();
  if (isa == Isa::Reference)
    attend_group_reference(g, scratch.data());
  else
    attend_group(isa, g, scratch);
  for (int64_t i = need; i < need + kGuard; ++i) EXPECT_EQ(scratch[size_t(i)], -7.0f) << "scratch overrun at " << i;
  return out;
}

// q_i . k_j in double (f32 keys).
double dot_ref(const HeadGroup& g, int64_t i, int64_t j) {
  double r = 0;
  for (int64_t c = 0; c < g.dk; ++c)
    r += double(g.q[i * g.q_stride + c]) * double(static_cast<const float*>(g.k)[j * g.k_stride + c]);
  return r;
}

void expect_close(const std::vector<float>& ref, const std::vector<float>& got, const HeadGroup& g,
                  const std::string& what) {
  float mx = 0;
  for (int64_t i = 0; i < g.n_q; ++i)
    for (int64_t c = 0; c < g.dv; ++c) mx = std::max(mx, std::fabs(ref[size_t(i * g.out_stride + c)]));
  ASSERT_GT(mx, 0.0f) << what;
  int bad = 0;
  for (int64_t i = 0; i < g.n_q; ++i)
    for (int64_t c = 0; c < g.dv; ++c) {
      const size_t at = size_t(i * g.out_stride + c);
      const bool ok = std::fabs(got[at] - ref[at]) <= 1e-5f * mx;  // false for NaN too
      if (!ok && ++bad <= 5)
        ADD_FAILURE() << what << " head " << i << " dim " << c << ": " << got[at] << " vs " << ref[at];
    }
  EXPECT_EQ(bad, 0) << what;
}

std::string name(Isa isa, const Shape& s, bool alias) {
  return std::string(isa_name(isa)) + " n_q=" + std::to_string(s.n_q) + " dk=" + std::to_string(s.dk) +
         " dv=" + std::to_string(s.dv) + " n=" + std::to_string(s.n) + (alias ? " v=k" : "");
}

// The GQA and MLA decode shapes, sub-group and tile remainders, several blocks of positions,
// and head sizes no vector width divides (the dispatcher's reference fallback). Where the SIMD
// paths transpose the keys (attend_transposes: the last four): there too fewer positions than
// a vector, partial blocks and head counts no sub-group divides.
const Shape kShapes[] = {{1, 64, 64, 1},   {4, 64, 64, 37},   {8, 128, 128, 300}, {16, 576, 512, 65},
                         {5, 64, 64, 17},  {3, 48, 48, 9},    {7, 128, 64, 130},  {2, 40, 24, 70},
                         {3, 20, 12, 5},   {6, 16, 16, 129},  {12, 64, 64, 5},    {9, 32, 48, 47},
                         {16, 192, 128, 100}, {8, 64, 64, 300},  {32, 64, 64, 150}, {37, 48, 32, 66}};

TEST(AttentionKernel, EveryIsaMatchesReference) {
  for (const Shape& s : kShapes)
    for (bool alias : {false, true}) {
      if (alias && s.dv > s.dk) continue;
      const GroupData d(s, alias, uint32_t(s.n * 31 + s.n_q));
      const auto ref = run(Isa::Reference, d.g);
      for (Isa isa : isas()) expect_close(ref, run(isa, d.g), d.g, name(isa, s, alias));
    }
}

// A cache of type kv on every shape: every ISA against the reference on the same stored rows,
// and that reference equal to the f32 reference on the rows' values widened (exact widening,
// f32-rounded outputs).
void expect_cache_type_matches_widened(KvType kv, uint32_t seed_mul) {
  const std::string type = kv_type_name(kv);
  for (const Shape& s : kShapes)
    for (bool alias : {false, true}) {
      if (alias && s.dv > s.dk) continue;
      const GroupData d(s, alias, uint32_t(s.n) * seed_mul + uint32_t(s.n_q), kv);
      const auto ref = run(Isa::Reference, d.g);
      const auto wide = run(Isa::Reference, d.f32());
      ASSERT_EQ(ref.size(), wide.size());
      for (int64_t i = 0; i < d.g.n_q; ++i)
        for (int64_t c = 0; c < d.g.dv; ++c) {
          const size_t at = size_t(i * d.g.out_stride + c);
          ASSERT_EQ(ref[at], wide[at]) << name(Isa::Reference, s, alias) << " " << type << " head " << i << " dim "
                                       << c;
        }
      for (Isa isa : isas()) expect_close(ref, run(isa, d.g), d.g, name(isa, s, alias) + " " + type);
    }
}

TEST(AttentionKernel, HalfCacheMatchesReferenceOnWidenedValues) { expect_cache_type_matches_widened(KvType::F16, 7); }

// q8_0: scales per block of 32 (a last block shorter where dk or dv is not a multiple of 32),
// rows of scales padded.
TEST(AttentionKernel, Q8CacheMatchesReferenceOnWidenedValues) { expect_cache_type_matches_widened(KvType::Q8_0, 11); }

// Positions split into ranges run separately with lse, then merged: the same outputs as one run
// over all positions (every ISA, f32 rounding), and each lse is the log of its range's softmax
// sum as the reference computes it in double.
TEST(AttentionKernel, SplitPositionsMergeToTheWhole) {
  for (const Shape& s : kShapes) {
    if (s.n < 3) continue;
    const GroupData d(s, s.dv <= s.dk, uint32_t(s.n * 13 + s.n_q));
    const auto whole = run(Isa::Reference, d.g);
    const int64_t cuts[] = {0, s.n / 3, s.n / 3 + std::max<int64_t>(1, s.n / 2 - s.n / 3), s.n};
    for (Isa isa : isas()) {
      std::vector<std::vector<float>> parts;
      std::vector<float> lse(size_t(3 * s.n_q), std::nanf(""));
      for (int c = 0; c < 3; ++c) {
        HeadGroup g = d.g;
        g.k = static_cast<const float*>(g.k) + cuts[c] * g.k_stride;
        g.v = static_cast<const float*>(g.v) + cuts[c] * g.v_stride;
        g.n = cuts[c + 1] - cuts[c];
        g.lse = lse.data() + c * s.n_q;
        parts.push_back(run(isa, g));
        for (int64_t i = 0; isa == Isa::Reference && i < s.n_q; ++i) {
          double sum = 0, mx = -1e300;
          for (int64_t j = cuts[c]; j < cuts[c + 1]; ++j)
            mx = std::max(mx, double(d.g.scale) * dot_ref(d.g, i, j));
          for (int64_t j = cuts[c]; j < cuts[c + 1]; ++j) sum += std::exp(double(d.g.scale) * dot_ref(d.g, i, j) - mx);
          EXPECT_NEAR(lse[size_t(c * s.n_q + i)], mx + std::log(sum), 1e-5 * (1 + std::fabs(mx)))
              << name(isa, s, false);
        }
      }
      std::vector<float> merged(whole.size(), std::nanf(""));
      std::vector<float> stacked(size_t(3 * s.dv));
      for (int64_t i = 0; i < s.n_q; ++i) {
        for (int c = 0; c < 3; ++c)
          std::copy_n(parts[size_t(c)].begin() + i * d.g.out_stride, s.dv, stacked.begin() + c * s.dv);
        merge_attention_parts(stacked.data(), s.dv, lse.data() + i, s.n_q, 3, s.dv, merged.data() + i * d.g.out_stride);
      }
      expect_close(whole, merged, d.g, name(isa, s, false) + " split in 3");
    }
  }
}

TEST(AttentionKernel, Q8CacheWithoutScalesIsAnError) {
  GroupData d({4, 64, 64, 37}, false, 5, KvType::Q8_0);
  std::vector<float> out(size_t(4 * d.g.out_stride)), scratch(size_t(attend_scratch_floats(d.g)));
  d.g.out = out.data();
  HeadGroup g = d.g;
  g.v_scales = nullptr;
  EXPECT_THROW(attend_group(Isa::Auto, g, scratch), Error);
  g = d.g;
  g.k_scale_stride = 1;  // fewer scales per row than its two blocks
  EXPECT_THROW(attend_group_reference(g, scratch.data()), Error);
}

// Rows to q8_0 blocks: the scale is max |x| / 127 rounded to half, codes round to nearest (half
// away from zero) against that scale, a last short block has its own scale, and NaN or infinite
// inputs still give codes in [-127, 127].
TEST(AttentionKernel, Q8RowsQuantizeAsLlamaCppQ8_0) {
  std::vector<float> x(40);
  for (int i = 0; i < 32; ++i) x[size_t(i)] = float(i - 16) * 0.25f;  // max |x| 4
  for (int i = 32; i < 40; ++i) x[size_t(i)] = float(i - 32) * -0.001f;
  std::vector<int8_t> codes(40);
  std::vector<uint16_t> scales(2);
  to_q8_row(x.data(), codes.data(), scales.data(), 40);
  const float d0 = fp16_to_float(float_to_fp16(4.0f / 127)), d1 = fp16_to_float(float_to_fp16(0.007f / 127));
  EXPECT_EQ(fp16_to_float(scales[0]), d0);
  EXPECT_EQ(fp16_to_float(scales[1]), d1);
  for (int i = 0; i < 40; ++i) {
    const float want = std::round(x[size_t(i)] / (i < 32 ? d0 : d1));
    EXPECT_NEAR(codes[size_t(i)], want, i < 32 ? 0 : 1) << i;  // x * (1/d) may round the last place apart
    EXPECT_LE(std::abs(int(codes[size_t(i)])), 127) << i;
  }
  EXPECT_EQ(codes[0], -127);  // -4 / d0, d0 a little over 4 / 127 once rounded to half
  std::vector<float> back(40);
  from_q8_row(codes.data(), scales.data(), back.data(), 40);
  for (int i = 0; i < 40; ++i) EXPECT_NEAR(back[size_t(i)], x[size_t(i)], 0.5f * (i < 32 ? d0 : d1) * 1.001f) << i;
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> bad = {std::nanf(""), inf, -inf, 1.0f, 0.0f};
  to_q8_row(bad.data(), codes.data(), scales.data(), int64_t(bad.size()));
  for (size_t i = 0; i < bad.size(); ++i) EXPECT_LE(std::abs(int(codes[i])), 127) << i;
}

TEST(AttentionKernel, CacheTypeNames) {
  EXPECT_EQ(kv_type_from_name("f16"), KvType::F16);
  EXPECT_EQ(kv_type_from_name(kv_type_name(KvType::F32)), KvType::F32);
  EXPECT_EQ(kv_type_size(KvType::F16), 2);
  EXPECT_EQ(kv_type_from_name("q8_0"), KvType::Q8_0);
  EXPECT_EQ(kv_type_name(KvType::Q8_0), std::string("q8_0"));
  EXPECT_EQ(kv_row_bytes(KvType::Q8_0, 576), 576 + 18 * 2);
  EXPECT_EQ(kv_row_bytes(KvType::Q8_0, 40), 40 + 2 * 2);
  EXPECT_EQ(kv_row_bytes(KvType::F16, 40), 80);
  EXPECT_THROW(kv_type_from_name("q4_0"), Error);
}

// One head equals the textbook formula (softmax of the scaled dots, then the weighted sum),
// computed here independently of the kernel's code.
TEST(AttentionKernel, ReferenceMatchesTextbookFormula) {
  const GroupData d({1, 8, 4, 6}, false, 5);
  const HeadGroup& g = d.g;
  std::vector<double> p(size_t(g.n));
  double sum = 0;
  for (int64_t j = 0; j < g.n; ++j) {
    double s = 0;
    for (int64_t c = 0; c < g.dk; ++c) s += double(g.q[c]) * d.k[size_t(j * g.k_stride + c)];
    p[size_t(j)] = std::exp(s * g.scale);
    sum += p[size_t(j)];
  }
  const auto out = run(Isa::Reference, g);
  for (int64_t c = 0; c < g.dv; ++c) {
    double want = 0;
    for (int64_t j = 0; j < g.n; ++j) want += p[size_t(j)] / sum * d.v[size_t(j * g.v_stride + c)];
    EXPECT_NEAR(out[size_t(c)], want, 1e-6) << c;
  }
}

// Scores of 1e4 must not overflow exp: the softmax subtracts the max, so the two hot positions
// share the weight and every other one gets ~0. The hot pair lies in different blocks of
// positions: first in the first block (later blocks add ~0), then in later blocks (the first
// block's partial sums are rescaled by e^-1e4 = 0).
TEST(AttentionKernel, HugeScoresDoNotOverflow) {
  const Shape s{4, 64, 64, 130};
  for (const auto& hot : {std::array<int64_t, 2>{3, 100}, std::array<int64_t, 2>{100, 129}}) {
    GroupData d(s, false, 9);
    for (int64_t i = 0; i < s.n_q; ++i)
      for (int64_t c = 0; c < s.dk; ++c) d.q[size_t(i * d.g.q_stride + c)] = 1.0f;
    for (int64_t j = 0; j < s.n; ++j)
      for (int64_t c = 0; c < s.dk; ++c)
        d.k[size_t(j * d.g.k_stride + c)] = j == hot[0] || j == hot[1] ? 156.25f : 0.0f;
    d.g.scale = 1.0f;  // q . k = 64 * 156.25 = 1e4 at the hot positions, 0 elsewhere
    for (Isa isa : isas()) {
      const auto out = run(isa, d.g);
      for (int64_t i = 0; i < s.n_q; ++i)
        for (int64_t c = 0; c < s.dv; ++c) {
          const float want =
              0.5f * (d.v[size_t(hot[0] * d.g.v_stride + c)] + d.v[size_t(hot[1] * d.g.v_stride + c)]);
          ASSERT_NEAR(out[size_t(i * d.g.out_stride + c)], want, 1e-5f)
              << isa_name(isa) << " hot " << hot[0] << "," << hot[1] << " head " << i << " dim " << c;
        }
    }
  }
}

// Causal lengths per query (several tokens of one sequence in one call): query i must equal
// the same query run alone over its first lens[i] positions, on every ISA; the lengths end
// inside, at the edge of and before blocks of positions, and at 1.
TEST(AttentionKernel, PerQueryLengthsMatchQueriesRunAlone) {
  for (const auto& [s, kv] :
       {std::pair{Shape{8, 64, 64, 200}, KvType::F32}, std::pair{Shape{6, 192, 128, 70}, KvType::F32},
        std::pair{Shape{3, 48, 48, 9}, KvType::F32}, std::pair{Shape{64, 64, 64, 130}, KvType::F32},
        std::pair{Shape{16, 64, 64, 130}, KvType::F16}, std::pair{Shape{4, 64, 64, 70}, KvType::F16}}) {
    GroupData d(s, false, uint32_t(s.n + 17), kv);
    std::vector<int64_t> lens(size_t(s.n_q));
    for (int64_t i = 0; i < s.n_q; ++i) {
      const int64_t choices[] = {s.n, 1, 64, 65, s.n - 1, 63, 129, 2};
      lens[size_t(i)] = std::clamp<int64_t>(choices[i % 8], 1, s.n);
    }
    HeadGroup g = d.g;
    g.lens = lens.data();
    std::vector<float> alone(size_t(g.n_q * g.out_stride));
    for (int64_t i = 0; i < s.n_q; ++i) {
      HeadGroup one = d.g;
      one.q = d.g.q + i * d.g.q_stride, one.n_q = 1, one.n = lens[size_t(i)];
      const auto o = run(Isa::Reference, one);
      std::copy_n(o.begin(), s.dv, alone.begin() + i * g.out_stride);
    }
    for (Isa isa : isas())
      expect_close(alone, run(isa, g), g, name(isa, s, false) + " with lengths " + kv_type_name(kv));
  }
}

// A scratch buffer one float short of attend_scratch_floats is refused, not overrun (every ISA,
// every cache type: the size depends on both, e.g. q8_0 keys widened a block at a time).
TEST(AttentionKernel, ShortScratchIsAnError) {
  for (KvType kv : {KvType::F32, KvType::F16, KvType::Q8_0})
    for (const Shape& s : {Shape{16, 576, 512, 65}, Shape{4, 64, 64, 37}, Shape{64, 64, 64, 130}}) {
      GroupData d(s, false, 9, kv);
      std::vector<float> out(size_t(s.n_q * d.g.out_stride));
      d.g.out = out.data();
      std::vector<float> scratch(size_t(attend_scratch_floats(d.g)));
      for (Isa isa : isas()) {
        EXPECT_NO_THROW(attend_group(isa, d.g, scratch));
        EXPECT_THROW(attend_group(isa, d.g, std::span<float>(scratch).first(scratch.size() - 1)), Error);
      }
    }
}

TEST(AttentionKernel, RejectsEmptyGroups) {
  GroupData d({2, 16, 16, 4}, false, 3);
  std::vector<float> out(64), scratch(256);
  d.g.out = out.data();
  HeadGroup g = d.g;
  g.n = 0;
  EXPECT_THROW(attend_group(Isa::Reference, g, scratch), Error);
  g = d.g;
  g.n_q = 0;
  EXPECT_THROW(attend_group(detect_best_isa(), g, scratch), Error);
  g = d.g;
  g.dk = 0;
  EXPECT_THROW(attend_group_reference(g, scratch.data()), Error);
  for (int64_t bad : {int64_t(0), int64_t(5)}) {  // a length outside 1..n
    const int64_t lens[2] = {1, bad};
    g = d.g;
    g.lens = lens;
    EXPECT_THROW(attend_group(detect_best_isa(), g, scratch), Error);
  }
}

}  // namespace
}  // namespace frugal::kernels
