// The block formats' affine split (value = scale * code + bias, bit for bit) and TransposedCodes
// (W^T x from transposed codes, every ISA, both layouts) against the dequantized rows.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "base/error.h"
#include "kernels/matmul.h"
#include "kernels/repack/repacker.h"
#include "kernels/transposed_codes.h"
#include "test_quant_helpers.h"

namespace frugal::kernels {
namespace {

using testing::all_formats;
using testing::random_weights;
using testing::Scales;

TEST(AffineRow, ReproducesDequantizeBitForBit) {
  std::mt19937 rng(7);
  for (GgmlType t : all_formats()) {
    const FormatDesc& f = format_of(t);
    if (!f.affine) {
      EXPECT_EQ(f.block_elems, 1) << f.name << ": only the float formats lack codes";
      continue;
    }
    const int64_t n = 512;
    const auto raw = random_weights(t, 1, n, rng, Scales::Mixed);
    std::vector<float> ref(n), scale(size_t(n / f.affine_group)), bias(scale.size());
    std::vector<int8_t> codes(n);
    f.dequantize(raw.data(), ref.data(), n);
    f.affine(raw.data(), codes.data(), scale.data(), bias.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const size_t g = size_t(i / f.affine_group);
      const float v = scale[g] * float(codes[size_t(i)]) + bias[g];
      EXPECT_TRUE(v == ref[size_t(i)] || (std::isnan(v) && std::isnan(ref[size_t(i)])))
          << f.name << " value " << i << ": " << v << " vs " << ref[size_t(i)];
      if (t != GgmlType::Q8_0 && t != GgmlType::IQ4_NL && t != GgmlType::IQ4_XS) {  // theirs: any int8
        EXPECT_TRUE(codes[size_t(i)] >= -32 && codes[size_t(i)] <= 31) << f.name;
      }
    }
  }
}

TEST(TransposedCodes, MatchesDequantizedRowsOnEveryIsaAndLayout) {
  std::mt19937 rng(11);
  ThreadPool pool(2);
  const int64_t rows = 48, cols = 512, r0 = 16, n = 32;
  for (GgmlType t : all_formats()) {
    const FormatDesc& f = format_of(t);
    auto raw = random_weights(t, rows, cols, rng, Scales::Normal);
    const WeightMatrix plain{t, rows, cols, raw.data(), raw.size() / size_t(rows)};
    if (!f.affine) {
      EXPECT_FALSE(TransposedCodes::make(plain, r0, n).has_value()) << f.name;
      continue;
    }
    std::vector<float> x(n), want(cols, 0.0f), row(cols);
    std::normal_distribution<float> g(0, 1);
    for (auto& v : x) v = g(rng);
    double mag = 0;
    for (int64_t r = 0; r < n; ++r) {
      f.dequantize(raw.data() + size_t(r0 + r) * plain.row_bytes, row.data(), cols);
      for (int64_t c = 0; c < cols; ++c) want[size_t(c)] += row[size_t(c)] * x[size_t(r)];
      for (int64_t c = 0; c < cols; ++c) mag = std::max(mag, double(std::fabs(row[size_t(c)] * x[size_t(r)])));
    }
    std::vector<uint8_t> packed(raw.size()), packed_avx2(raw.size());
    WeightMatrix rows16 = plain, rows16_avx2 = plain;
    if (can_repack_rows16(plain)) {
      repack_rows16(pool, plain, 1, plain.bytes(), packed.data(), WeightLayout::Rows16);
      rows16.data = packed.data();
      rows16.layout = WeightLayout::Rows16;
      repack_rows16(pool, plain, 1, plain.bytes(), packed_avx2.data(), WeightLayout::Rows16Avx2);
      rows16_avx2.data = packed_avx2.data();
      rows16_avx2.layout = WeightLayout::Rows16Avx2;
    }
    for (const WeightMatrix& w : {plain, rows16, rows16_avx2}) {
      const auto codes = TransposedCodes::make(w, r0, n);
      ASSERT_TRUE(codes.has_value()) << f.name;
      EXPECT_EQ(codes->rows(), n);
      EXPECT_EQ(codes->cols(), cols);
      for (Isa isa : {Isa::Reference, Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon}) {
        if (!cpu_supports(isa)) continue;
        std::vector<float> y(cols, NAN);
        codes->apply(isa, x.data(), y.data());
        for (int64_t c = 0; c < cols; ++c)
          ASSERT_NEAR(y[size_t(c)], want[size_t(c)], 1e-5 * mag * n)
              << f.name << " " << isa_name(isa) << " layout=" << int(w.layout) << " col " << c;
      }
    }
  }
}

TEST(TransposedCodes, RejectsRowsOutOfRange) {
  std::mt19937 rng(3);
  auto raw = random_weights(GgmlType::Q8_0, 16, 64, rng, Scales::Normal);
  const WeightMatrix w{GgmlType::Q8_0, 16, 64, raw.data(), raw.size() / 16};
  EXPECT_THROW(TransposedCodes::make(w, 8, 9), Error);
  EXPECT_THROW(TransposedCodes::make(w, -1, 4), Error);
  EXPECT_TRUE(TransposedCodes::make(w, 8, 8).has_value());
}

}  // namespace
}  // namespace frugal::kernels
