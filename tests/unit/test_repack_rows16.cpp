// The Rows16 repacked layouts (Rows16, Rows16Avx2): lossless conversion, and matmul /
// dequantize_row on repacked matrices (every ISA, in its own layout or through a plain copy in
// the other) against the Reference path on the plain ones.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <tuple>
#include <vector>

#include "base/error.h"
#include "base/fp16.h"
#include "kernels/quant/blocks.h"
#include "kernels/kernel_table.h"
#include "kernels/matmul.h"
#include "kernels/matmul_internal.h"
#include "kernels/repack/repacker.h"
#include "kernels/repack/rows16.h"
#include "test_quant_helpers.h"

namespace frugal::kernels {
namespace {

using testing::all_formats;
using testing::bound;
using testing::random_acts;
using testing::random_weights;
using testing::Scales;

std::vector<GgmlType> rows16_formats() {
  std::vector<GgmlType> v;
  for (GgmlType t : all_formats())
    if (has_rows16_layout(t)) v.push_back(t);
  return v;
}

std::vector<Isa> all_isas() {
  std::vector<Isa> v;
  for (Isa i : {Isa::Reference, Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon})
    if (cpu_supports(i)) v.push_back(i);
  return v;
}

constexpr WeightLayout kLayouts[] = {WeightLayout::Rows16, WeightLayout::Rows16Avx2};

// A plain random matrix and its copy in a Rows16 layout.
struct Pair {
  std::vector<uint8_t> plain, packed;
  WeightMatrix w, p;
};
Pair make_pair(GgmlType t, WeightLayout layout, int64_t rows, int64_t blocks, std::mt19937& rng, Scales mode) {
  const FormatDesc& f = format_of(t);
  Pair out;
  const int64_t cols = blocks * f.block_elems;
  out.plain = random_weights(t, rows, cols, rng, mode);
  out.packed.assign(out.plain.size(), 0xCD);
  out.w = {t, rows, cols, out.plain.data(), out.plain.size() / size_t(rows)};
  ThreadPool pool(2);
  EXPECT_TRUE(can_repack_rows16(out.w));
  repack_rows16(pool, out.w, 1, out.w.bytes(), out.packed.data(), layout);
  out.p = out.w;
  out.p.data = out.packed.data();
  out.p.layout = layout;
  return out;
}

class Rows16 : public ::testing::TestWithParam<std::tuple<GgmlType, WeightLayout>> {
 protected:
  GgmlType type() const { return std::get<0>(GetParam()); }
  WeightLayout layout() const { return std::get<1>(GetParam()); }
  Pair make(int64_t rows, int64_t blocks, std::mt19937& rng, Scales mode) const {
    return make_pair(type(), layout(), rows, blocks, rng, mode);
  }
};

TEST_P(Rows16, PackUnpackIsLossless) {
  std::mt19937 rng(7);
  for (Scales mode : {Scales::Normal, Scales::Mixed}) {
    const Pair m = make(32, 3, rng, mode);
    std::vector<uint8_t> row(m.w.row_bytes);
    for (int64_t r = 0; r < m.w.rows; ++r) {
      unpack_row16(m.w.type, layout(), m.packed.data() + (r / 16) * 16 * m.w.row_bytes, m.w.cols, int(r % 16), row.data());
      ASSERT_EQ(0, std::memcmp(row.data(), m.plain.data() + r * m.w.row_bytes, row.size())) << "row " << r;
    }
  }
}

// The two layouts differ only in Q5_K's and Q6_K's codes (not in their scales).
TEST_P(Rows16, LayoutsDifferOnlyInQ5KAndQ6KCodes) {
  std::mt19937 rng(9), same(9);
  const Pair a = make(32, 2, rng, Scales::Mixed);
  const Pair b = make_pair(type(), WeightLayout::Rows16, 32, 2, same, Scales::Mixed);
  ASSERT_EQ(a.plain, b.plain);
  const bool q5 = type() == GgmlType::Q5_K, q6 = type() == GgmlType::Q6_K;
  if (!(q5 || q6) || layout() == WeightLayout::Rows16) {
    EXPECT_EQ(a.packed, b.packed);
    return;
  }
  // Per block column: d, the mins (Q5_K) and the scales first, then the codes.
  const size_t column = q6 ? 16 * 210 : 16 * 176, header = q6 ? 288 : 256;
  size_t differ = 0;
  for (size_t i = 0; i < a.packed.size(); ++i) {
    if (i % column < header) {
      ASSERT_EQ(a.packed[i], b.packed[i]) << i;
    }
    differ += a.packed[i] != b.packed[i];
  }
  EXPECT_GT(differ, a.packed.size() / 2);
}

TEST_P(Rows16, DequantizeRowMatchesPlain) {
  std::mt19937 rng(8);
  const Pair m = make(48, 2, rng, Scales::Mixed);
  std::vector<float> a(size_t(m.w.cols)), b(a.size());
  for (Isa isa : all_isas())
    for (int64_t r : {0, 1, 15, 16, 31, 47}) {
      Kernels::select(Isa::Reference).dequantize_row(m.w, r, a.data());
      Kernels::select(isa).dequantize_row(m.p, r, b.data());
      for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(std::bit_cast<uint32_t>(a[i]), std::bit_cast<uint32_t>(b[i]));
    }
}

struct Case {
  int64_t rows, blocks, n_tok;
  Scales mode;
  int threads;
  int64_t pad;
};

void check_case(GgmlType type, WeightLayout layout, Isa isa, const Case& k, uint32_t seed) {
  const FormatDesc& f = format_of(type);
  std::mt19937 rng(seed);
  const Pair m = make_pair(type, layout, k.rows, k.blocks, rng, k.mode);
  const int64_t cols = m.w.cols, ldx = cols + k.pad, ldy = k.rows + k.pad;
  const auto x = random_acts(size_t(k.n_tok * ldx), rng, k.mode);
  std::vector<float> y_ref(size_t(k.n_tok * ldy), -7.0f), y_fast(y_ref.size(), -7.0f);
  ThreadPool pool(k.threads);
  Kernels::select(Isa::Reference).matmul(pool, m.w, x.data(), k.n_tok, ldx, y_ref.data(), ldy);
  Kernels::select(isa).matmul(pool, m.p, x.data(), k.n_tok, ldx, y_fast.data(), ldy);
  std::vector<float> wf(size_t(k.rows * cols));
  for (int64_t r = 0; r < k.rows; ++r) f.dequantize(m.plain.data() + r * m.w.row_bytes, wf.data() + r * cols, cols);
  const int block = f.act == ActKind::Q8_32 ? 32 : 256;
  int failures = 0;
  for (int64_t t = 0; t < k.n_tok; ++t)
    for (int64_t r = 0; r < ldy; ++r) {
      const size_t at = size_t(t * ldy + r);
      if (r >= k.rows) {
        EXPECT_EQ(y_fast[at], -7.0f);
        continue;
      }
      const double tol = isa == Isa::Reference ? 0.0 : bound(wf.data() + r * cols, x.data() + t * ldx, cols, block);
      if (!(std::fabs(double(y_fast[at]) - double(y_ref[at])) <= tol) && ++failures <= 5)
        ADD_FAILURE() << f.name << " " << isa_name(isa) << " t=" << t << " r=" << r << " fast=" << y_fast[at]
                      << " ref=" << y_ref[at] << " tol=" << tol;
    }
  EXPECT_EQ(failures, 0) << f.name << " " << isa_name(isa);
}

TEST_P(Rows16, MatmulMatchesReference) {
  const GgmlType t = type();
  const bool legacy = format_of(t).block_elems == 32;
  const std::vector<Case> cases{
      {16, 1, 1, Scales::Mixed, 1, 0},     {32, 2, 3, Scales::Mixed, 2, 1},
      {48, legacy ? 9 : 3, 8, Scales::Mixed, 2, 0}, {16, legacy ? 5 : 2, 9, Scales::Normal, 1, 3},
      {64, legacy ? 16 : 4, 17, Scales::Normal, 2, 0}, {160, legacy ? 44 : 2, 67, Scales::Mixed, 2, 5},
      {32, legacy ? 64 : 8, 5, Scales::Normal, 2, 0},  {48, legacy ? 3 : 1, 13, Scales::Mixed, 1, 2},
      {80, legacy ? 7 : 2, 30, Scales::Normal, 2, 0},
  };
  uint32_t seed = 11;
  for (Isa isa : all_isas())
    for (const Case& k : cases) {
      SCOPED_TRACE(::testing::Message() << isa_name(isa) << " rows=" << k.rows << " blocks=" << k.blocks
                                        << " n_tok=" << k.n_tok);
      check_case(t, layout(), isa, k, seed++);
    }
}

TEST_P(Rows16, NanActivationsPropagate) {
  std::mt19937 rng(5);
  const Pair m = make(32, format_of(type()).block_elems == 32 ? 8 : 1, rng, Scales::Normal);
  std::vector<float> x(size_t(10 * m.w.cols), 1.0f), y(size_t(10 * 32));
  for (int64_t t = 0; t < 10; ++t) x[size_t(t * m.w.cols + 40)] = std::nanf("");
  ThreadPool pool(2);
  for (Isa isa : all_isas()) {
    Kernels::select(isa).matmul(pool, m.p, x.data(), 10, m.w.cols, y.data(), 32);
    for (float v : y) ASSERT_TRUE(std::isnan(v)) << isa_name(isa);
  }
}

// The largest codes with activations at the quantizer's limit (+-127 in every position): the
// AVX2 kernels add several vpmaddubsw results in int16 (Q4_K: 8 per sub-block, Q5_K: 4, Q6_K: 2,
// Q2_K and Q3_K: 4, Q4_1: 8 per block, Q5_1: 4) and
// take Q8_0's -128 code by its magnitude; a bound one too loose saturates here.
TEST(Rows16Extremes, LargestCodesDoNotSaturate) {
  const int64_t rows = 32, cols = 512;
  const uint16_t d = float_to_fp16(0.01f);
  for (GgmlType t : {GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_0, GgmlType::Q4_1, GgmlType::Q5_1,
                     GgmlType::Q2_K, GgmlType::Q3_K}) {
    const FormatDesc& f = format_of(t);
    const int64_t nb = cols / f.block_elems;
    std::vector<uint8_t> plain(size_t(rows * nb) * f.block_bytes);
    for (int64_t i = 0; i < rows * nb; ++i) {
      uint8_t* blk = plain.data() + size_t(i) * f.block_bytes;
      const bool low = (i / nb) % 2 == 1;  // odd rows: the other extreme
      if (t == GgmlType::Q4_K) {
        auto* q = reinterpret_cast<BlockQ4_K*>(blk);
        q->d = d, q->dmin = low ? d : 0;
        std::memset(q->scales, 0xFF, sizeof q->scales);  // every scale and min 63
        std::memset(q->qs, low ? 0x00 : 0xFF, sizeof q->qs);
      } else if (t == GgmlType::Q5_K) {
        auto* q = reinterpret_cast<BlockQ5_K*>(blk);
        q->d = d, q->dmin = low ? d : 0;
        std::memset(q->scales, 0xFF, sizeof q->scales);
        std::memset(q->qh, low ? 0x00 : 0xFF, sizeof q->qh);  // codes 31 / 0
        std::memset(q->qs, low ? 0x00 : 0xFF, sizeof q->qs);
      } else if (t == GgmlType::Q6_K) {
        auto* q = reinterpret_cast<BlockQ6_K*>(blk);
        q->d = d;
        std::memset(q->scales, low ? 0x80 : 0x7F, sizeof q->scales);  // -128 / 127
        std::memset(q->ql, low ? 0x00 : 0xFF, sizeof q->ql);
        std::memset(q->qh, low ? 0x00 : 0xFF, sizeof q->qh);
      } else if (t == GgmlType::Q2_K) {  // codes 3 / 0, scales and mins 15
        auto* q = reinterpret_cast<BlockQ2_K*>(blk);
        q->d = d, q->dmin = low ? d : 0;
        std::memset(q->scales, 0xFF, sizeof q->scales);
        std::memset(q->qs, low ? 0x00 : 0xFF, sizeof q->qs);
      } else if (t == GgmlType::Q3_K) {  // codes 7 / 0 (x = 3 / -4 steps), scales 31 / -32
        auto* q = reinterpret_cast<BlockQ3_K*>(blk);
        q->d = d;
        std::memset(q->scales, low ? 0x00 : 0xFF, sizeof q->scales);
        std::memset(q->hmask, low ? 0x00 : 0xFF, sizeof q->hmask);
        std::memset(q->qs, low ? 0x00 : 0xFF, sizeof q->qs);
      } else if (t == GgmlType::Q4_1) {  // codes 15 / 0 (Q4_0 has the same codes)
        auto* q = reinterpret_cast<BlockQ4_1*>(blk);
        q->d = d, q->m = low ? d : 0;
        std::memset(q->qs, low ? 0x00 : 0xFF, sizeof q->qs);
      } else if (t == GgmlType::Q5_1) {  // codes 31 / 0
        auto* q = reinterpret_cast<BlockQ5_1*>(blk);
        q->d = d, q->m = low ? d : 0;
        std::memset(q->qh, low ? 0x00 : 0xFF, sizeof q->qh);
        std::memset(q->qs, low ? 0x00 : 0xFF, sizeof q->qs);
      } else {
        auto* q = reinterpret_cast<BlockQ8_0*>(blk);
        q->d = d;
        std::memset(q->qs, low ? 0x80 : 0x7F, sizeof q->qs);  // -128 / 127
      }
    }
    const WeightMatrix w{t, rows, cols, plain.data(), plain.size() / size_t(rows)};
    ThreadPool pool(2);
    // Four patterns, then the same negated: 8 tokens, the largest AVX2 and AVX-512 tiles.
    std::vector<float> x(size_t(8 * cols));
    for (int64_t c = 0; c < cols; ++c) {
      x[size_t(c)] = 1.0f, x[size_t(cols + c)] = -1.0f;
      x[size_t(2 * cols + c)] = c % 2 ? 1.0f : -1.0f, x[size_t(3 * cols + c)] = c % 64 < 32 ? 2.0f : -2.0f;
      for (int64_t i = 4; i < 8; ++i) x[size_t(i * cols + c)] = -x[size_t((i - 4) * cols + c)];
    }
    std::vector<float> ref(size_t(8 * rows)), fast(ref.size());
    Kernels::select(Isa::Reference).matmul(pool, w, x.data(), 8, cols, ref.data(), rows);
    for (WeightLayout layout : kLayouts) {
      std::vector<uint8_t> packed(plain.size());
      repack_rows16(pool, w, 1, w.bytes(), packed.data(), layout);
      WeightMatrix p = w;
      p.data = packed.data();
      p.layout = layout;
      for (Isa isa : all_isas())
        for (int n_tok : {1, 4, 8}) {
          Kernels::select(isa).matmul(pool, p, x.data(), n_tok, cols, fast.data(), rows);
          for (int64_t i = 0; i < n_tok * rows; ++i)
            ASSERT_NEAR(fast[size_t(i)], ref[size_t(i)], 1e-4 * std::fabs(ref[size_t(i)]) + 1e-3)
                << f.name << " " << isa_name(isa) << " layout " << int(layout) << " n_tok=" << n_tok
                << " t=" << i / rows << " r=" << i % rows;
        }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, Rows16, ::testing::Combine(::testing::ValuesIn(rows16_formats()), ::testing::ValuesIn(kLayouts)),
                         [](const auto& p) {
                           return std::string(format_of(std::get<0>(p.param)).name) +
                                  (std::get<1>(p.param) == WeightLayout::Rows16 ? "" : "_avx2");
                         });

TEST(Rows16Repacker, ExpertStacksSlicesAndSkips) {
  std::mt19937 rng(3);
  const int64_t rows = 32, cols = 512, experts = 3;
  const auto raw = random_weights(GgmlType::Q4_K, rows * experts, cols, rng, Scales::Normal);
  const WeightMatrix plain{GgmlType::Q4_K, rows, cols, raw.data(), raw.size() / size_t(rows * experts)};
  ThreadPool pool(2);
  WeightRepacker rp(pool, RepackOptions{.layout = rows16_layout(detect_best_isa())});
  WeightMatrix m = plain;
  rp.prepare("experts", m, experts, plain.bytes());
  ASSERT_TRUE(is_rows16(m.layout) || !is_rows16(rows16_layout(detect_best_isa())));
  if (!is_rows16(m.layout)) return;  // no Rows16 kernels on this CPU: the repacker repacks nothing
  EXPECT_EQ(rp.repacked_bytes(), raw.size());
  WeightMatrix again = plain;  // the same tensor bound twice shares one copy
  rp.prepare("experts", again, experts, plain.bytes());
  EXPECT_EQ(again.data, m.data);
  EXPECT_EQ(rp.repacked_bytes(), raw.size());
  const auto x = random_acts(size_t(2 * cols), rng, Scales::Normal);
  std::vector<float> a(size_t(2 * rows)), b(a.size());
  const Kernels fast = Kernels::select(Isa::Auto), ref = Kernels::select(Isa::Reference);
  for (int64_t e = 0; e < experts; ++e) {
    WeightMatrix pe = plain, re = m;
    pe.data += e * plain.bytes(), re.data += e * plain.bytes();
    // The upper 16 rows alone: a row slice at a group boundary.
    pe.data += 16 * pe.row_bytes, re.data += 16 * re.row_bytes, pe.rows = re.rows = 16;
    ref.matmul(pool, pe, x.data(), 2, cols, a.data(), 16);
    ref.matmul(pool, re, x.data(), 2, cols, b.data(), 16);
    for (int i = 0; i < 32; ++i) EXPECT_EQ(a[size_t(i)], b[size_t(i)]);
    fast.matmul(pool, re, x.data(), 2, cols, b.data(), 16);
    std::vector<float> wr(static_cast<size_t>(cols));
    for (int i = 0; i < 32; ++i) {
      ref.dequantize_row(pe, i % 16, wr.data());
      EXPECT_NEAR(a[size_t(i)], b[size_t(i)], bound(wr.data(), x.data() + (i / 16) * cols, cols, 256));
    }
  }
  // Not repacked: rows not a multiple of 16, formats without the layout, padded rows.
  WeightMatrix odd = plain;
  odd.rows = 24;
  rp.prepare("odd", odd, 1, odd.bytes());
  EXPECT_EQ(odd.layout, WeightLayout::Plain);
  std::vector<uint8_t> f32(16 * 64 * 4);
  WeightMatrix fm{GgmlType::F32, 16, 64, f32.data(), 256};
  rp.prepare("f32", fm, 1, fm.bytes());
  EXPECT_EQ(fm.layout, WeightLayout::Plain);
  WeightMatrix padded = plain;
  padded.row_bytes += 64;
  rp.prepare("padded", padded, 1, padded.bytes());
  EXPECT_EQ(padded.layout, WeightLayout::Plain);
}

TEST(Rows16Repacker, RepacksOnlyWhatTheIsaHasKernelsFor) {
  ThreadPool pool(1);
  std::mt19937 rng(8);
  for (Isa isa : all_isas()) {
    auto preparer = Kernels::select(isa).weight_preparer(pool);
    EXPECT_EQ(preparer != nullptr, isa == Isa::Avx512 || isa == Isa::Avx2 || isa == Isa::Neon) << isa_name(isa);
    if (!preparer) continue;
    for (GgmlType t : rows16_formats()) {
      const FormatDesc& f = format_of(t);
      const auto raw = random_weights(t, 16, 256, rng, Scales::Normal);
      WeightMatrix m{t, 16, 256, raw.data(), raw.size() / 16};
      preparer->prepare(f.name, m, 1, m.bytes());
      const bool kernel = rows16_kernel(isa, rows16_layout(isa), t) != nullptr;
      EXPECT_EQ(m.layout, kernel ? rows16_layout(isa) : WeightLayout::Plain) << isa_name(isa) << " " << f.name;
    }
  }
  // Every format with the layout has an AVX-512 kernel for it; AVX2 one except IQ4_XS, NEON one except
  // Q2_K, Q3_K and IQ4_XS (those ISAs keep them Plain, as the first loop checks).
  for (Isa isa : {Isa::Avx2, Isa::Avx512, Isa::Neon}) {
    if (!cpu_supports(isa)) continue;
    for (GgmlType t : all_formats()) {
      const bool low = t == GgmlType::Q2_K || t == GgmlType::Q3_K, iq4 = t == GgmlType::IQ4_XS;
      const bool kernel = isa == Isa::Avx512 || (isa == Isa::Avx2 ? !iq4 : !low && !iq4);
      EXPECT_EQ(has_rows16_layout(t) && kernel, rows16_kernel(isa, rows16_layout(isa), t) != nullptr)
          << isa_name(isa) << " " << format_of(t).name;
    }
  }
  // Each ISA reads one layout: the other goes through a plain copy (MatmulMatchesReference).
  EXPECT_EQ(rows16_layout(Isa::Avx512), WeightLayout::Rows16);
  EXPECT_EQ(rows16_layout(Isa::Neon), WeightLayout::Rows16);
  EXPECT_EQ(rows16_layout(Isa::Avx2), WeightLayout::Rows16Avx2);
  for (Isa other : {Isa::Reference, Isa::Scalar}) EXPECT_EQ(rows16_layout(other), WeightLayout::Plain);
  EXPECT_EQ(rows16_kernel(Isa::Avx2, WeightLayout::Rows16, GgmlType::Q4_K), nullptr);
  EXPECT_EQ(rows16_kernel(Isa::Avx512, WeightLayout::Rows16Avx2, GgmlType::Q4_K), nullptr);
}

TEST(Rows16Repacker, RejectsBadRows16Shapes) {
  std::vector<uint8_t> raw(144 * 24);
  std::vector<float> x(256), y(24);
  ThreadPool pool(1);
  const WeightMatrix w{GgmlType::Q4_K, 24, 256, raw.data(), 144, WeightLayout::Rows16};
  EXPECT_THROW(Kernels::select(Isa::Auto).matmul(pool, w, x.data(), 1, 256, y.data(), 24), Error);
}

}  // namespace
}  // namespace frugal::kernels
