// Fast-path matmuls (every format x every ISA this CPU has) against the Reference path,
// within the error bound implied by quantizing activations to int8.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "base/error.h"
#include "kernels/matmul.h"
#include "test_quant_helpers.h"

namespace frugal::kernels {
namespace {

using testing::all_formats;
using testing::random_acts;
using testing::random_weights;
using testing::Scales;

std::vector<Isa> fast_isas() {
  std::vector<Isa> v;
  for (Isa i : {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon})
    if (cpu_supports(i)) v.push_back(i);
  return v;
}

struct Case {
  int64_t rows, blocks, n_tok;
  Scales mode;
  int threads;
  int64_t pad;  // extra elements in ldx and ldy
};

using testing::bound;

void run_case(GgmlType type, Isa isa, const Case& k, uint32_t seed) {
  const FormatDesc& f = format_of(type);
  std::mt19937 rng(seed);
  const int64_t cols = k.blocks * f.block_elems, ldx = cols + k.pad, ldy = k.rows + k.pad;
  const auto raw = random_weights(type, k.rows, cols, rng, k.mode);
  const WeightMatrix w{type, k.rows, cols, raw.data(), raw.size() / size_t(k.rows)};
  const auto x = random_acts(size_t(k.n_tok * ldx), rng, k.mode);
  std::vector<float> y_ref(size_t(k.n_tok * ldy), -7.0f), y_fast(y_ref.size(), -7.0f);
  ThreadPool pool(k.threads);
  Kernels::select(Isa::Reference).matmul(pool, w, x.data(), k.n_tok, ldx, y_ref.data(), ldy);
  Kernels::select(isa).matmul(pool, w, x.data(), k.n_tok, ldx, y_fast.data(), ldy);

  std::vector<float> wf(size_t(k.rows * cols));
  for (int64_t r = 0; r < k.rows; ++r) f.dequantize(raw.data() + size_t(r) * w.row_bytes, wf.data() + r * cols, cols);
  const int block = f.act == ActKind::F32 ? 1 : f.act == ActKind::Q8_32 ? 32 : 256;
  int failures = 0;
  double rel_tol_sum = 0;
  for (int64_t t = 0; t < k.n_tok; ++t)
    for (int64_t r = 0; r < ldy; ++r) {
      const size_t at = size_t(t * ldy + r);
      if (r >= k.rows) {  // padding must stay untouched
        EXPECT_EQ(y_fast[at], -7.0f);
        continue;
      }
      const float* wr = wf.data() + r * cols;
      const float* xt = x.data() + t * ldx;
      double exact = 0, mag = 0;
      for (int64_t c = 0; c < cols; ++c) exact += double(wr[c]) * xt[c], mag += std::fabs(double(wr[c]) * xt[c]);
      // The reference is the exact dot rounded to float.
      EXPECT_NEAR(y_ref[at], exact, mag * 1e-7 + 1e-37);
      const double tol = bound(wr, xt, cols, block);
      if (mag > 0) rel_tol_sum += tol / mag;
      if (!(std::fabs(double(y_fast[at]) - double(y_ref[at])) <= tol) && ++failures <= 5)
        ADD_FAILURE() << f.name << " " << isa_name(isa) << " t=" << t << " r=" << r << " fast=" << y_fast[at]
                      << " ref=" << y_ref[at] << " tol=" << tol;
    }
  EXPECT_EQ(failures, 0) << f.name << " " << isa_name(isa);
  // The bound is tight enough to catch wrong codes or scales (which err by ~100% of mag).
  if (k.mode == Scales::Normal) {
    EXPECT_LT(rel_tol_sum / double(k.rows * k.n_tok), 0.03) << f.name;
  }
}

class MatmulFormats : public ::testing::TestWithParam<GgmlType> {};

TEST_P(MatmulFormats, FastPathsMatchReference) {
  const GgmlType t = GetParam();
  const bool legacy = format_of(t).block_elems == 32;
  const std::vector<Case> cases{
      {13, 2, 1, Scales::Mixed, 1, 0},   {13, 2, 3, Scales::Mixed, 3, 0},
      {5, 3, 7, Scales::Mixed, 2, 3},    {37, 1, 33, Scales::Mixed, 2, 1},
      {64, legacy ? 16 : 4, 5, Scales::Normal, 2, 0},
      {9, legacy ? 9 : 3, 1, Scales::Normal, 1, 0},
  };
  uint32_t seed = 1;
  for (Isa isa : fast_isas())
    for (const Case& k : cases) {
      SCOPED_TRACE(::testing::Message() << isa_name(isa) << " rows=" << k.rows << " blocks=" << k.blocks
                                        << " n_tok=" << k.n_tok);
      run_case(t, isa, k, seed++);
    }
}

TEST_P(MatmulFormats, FloatTailsAndLongRows) {
  const GgmlType t = GetParam();
  if (format_of(t).block_elems != 1) return;
  uint32_t seed = 100;
  for (Isa isa : fast_isas())
    for (int64_t cols : {1, 7, 15, 17, 40, 100, 300, 1000}) run_case(t, isa, {6, cols, 5, Scales::Normal, 2, 1}, seed++);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, MatmulFormats, ::testing::ValuesIn(all_formats()),
                         [](const auto& p) { return std::string(format_of(p.param).name); });

TEST(Matmul, RejectsBadShapesAndTypes) {
  ThreadPool pool(1);
  std::vector<uint8_t> raw(292 * 4);
  std::vector<float> x(512), y(4);
  const auto k = Kernels::select(Isa::Auto);
  EXPECT_THROW(k.matmul(pool, {GgmlType::Q4_K, 2, 200, raw.data(), 144}, x.data(), 1, 200, y.data(), 2), Error);
  EXPECT_THROW(k.matmul(pool, {GgmlType::Q4_K, 2, 256, raw.data(), 100}, x.data(), 1, 256, y.data(), 2), Error);
  EXPECT_THROW(k.matmul(pool, {GgmlType::Q8_K, 2, 256, raw.data(), 292}, x.data(), 1, 256, y.data(), 2), Error);
  EXPECT_THROW(k.matmul(pool, {GgmlType::Q4_K, 2, 256, raw.data(), 144}, x.data(), 2, 100, y.data(), 2), Error);
  try {
    Kernels::check_supported(GgmlType::Q8_K, "blk.0.ffn_down.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unsupported tensor type Q8_K in tensor blk.0.ffn_down.weight");
  }
  EXPECT_NO_THROW(Kernels::check_supported(GgmlType::Q6_K, "x"));
  EXPECT_NO_THROW(Kernels::check_supported(GgmlType::Q2_K, "x"));
  try {  // known to the reader (the file opens), but without kernels
    Kernels::check_supported(GgmlType::IQ2_XXS, "blk.3.ffn_up_exps.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unsupported tensor type IQ2_XXS in tensor blk.3.ffn_up_exps.weight");
  }
  EXPECT_NO_THROW(Kernels::check_supported(GgmlType::Q3_K, "x"));
}

TEST(Matmul, EmptyShapesAndRowBounds) {
  ThreadPool pool(2);
  std::vector<uint8_t> raw(34 * 2);
  std::vector<float> x(32, 1.0f), y(2, -1.0f), row(32);
  const WeightMatrix w{GgmlType::Q8_0, 2, 32, raw.data(), 34};
  for (Isa isa : {Isa::Reference, Isa::Scalar, Isa::Auto}) {
    const auto k = Kernels::select(isa);
    k.matmul(pool, w, x.data(), 0, 32, y.data(), 2);  // no tokens: nothing written
    k.matmul(pool, {GgmlType::Q8_0, 0, 32, nullptr, 34}, x.data(), 1, 32, y.data(), 0);
    EXPECT_EQ(y, (std::vector<float>{-1.0f, -1.0f}));
    EXPECT_THROW(k.dequantize_row(w, 2, row.data()), Error);
    EXPECT_THROW(k.dequantize_row(w, -1, row.data()), Error);
    EXPECT_NO_THROW(k.dequantize_row(w, 1, row.data()));
  }
}

TEST(Matmul, IsaNamesAndSelection) {
  for (Isa i : {Isa::Reference, Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon, Isa::Auto})
    EXPECT_EQ(isa_from_name(isa_name(i)), i);
  EXPECT_THROW(isa_from_name("sse9"), Error);
  const Isa best = detect_best_isa();
  EXPECT_TRUE(cpu_supports(best));
  EXPECT_EQ(Kernels::select(Isa::Auto).isa(), best);
  for (Isa i : {Isa::Avx2, Isa::Avx512, Isa::Neon}) {
    if (cpu_supports(i)) {
      EXPECT_EQ(Kernels::select(i).isa(), i);
    } else {
      EXPECT_THROW(Kernels::select(i), Error);
    }
  }
}

TEST(Matmul, NanActivationsPropagate) {
  std::mt19937 rng(5);
  const auto raw = random_weights(GgmlType::Q4_0, 3, 64, rng, Scales::Normal);
  std::vector<float> x(64, 1.0f), y(3);
  x[40] = std::nanf("");
  ThreadPool pool(1);
  for (Isa isa : fast_isas()) {
    Kernels::select(isa).matmul(pool, {GgmlType::Q4_0, 3, 64, raw.data(), 36}, x.data(), 1, 64, y.data(), 3);
    for (float v : y) EXPECT_TRUE(std::isnan(v)) << isa_name(isa);
  }
}

}  // namespace
}  // namespace frugal::kernels
