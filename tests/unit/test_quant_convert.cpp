// Tensor conversion used by `frugal quantize`: fallback types and row conversion.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "base/error.h"
#include "kernels/quant/convert.h"
#include "kernels/quant/formats.h"

namespace frugal::kernels {
namespace {

TEST(QuantConvert, FallbackTypes) {
  EXPECT_EQ(fallback_type(GgmlType::Q4_K, 512), GgmlType::Q4_K);
  EXPECT_EQ(fallback_type(GgmlType::Q4_K, 96), GgmlType::Q5_0);
  EXPECT_EQ(fallback_type(GgmlType::Q5_K, 96), GgmlType::Q5_1);
  EXPECT_EQ(fallback_type(GgmlType::Q6_K, 96), GgmlType::Q8_0);
  EXPECT_EQ(fallback_type(GgmlType::Q2_K, 96), GgmlType::Q4_0);
  EXPECT_EQ(fallback_type(GgmlType::Q3_K, 40), GgmlType::F16);
  EXPECT_EQ(fallback_type(GgmlType::Q4_K, 40), GgmlType::F16);
  EXPECT_EQ(fallback_type(GgmlType::Q8_0, 40), GgmlType::F16);
  EXPECT_EQ(fallback_type(GgmlType::BF16, 3), GgmlType::BF16);
}

TEST(QuantConvert, RowsAreDequantizedThenQuantized) {
  std::mt19937 rng(9);
  std::normal_distribution<float> g(0, 1);
  const int64_t rows = 5, cols = 512;
  std::vector<float> x(size_t(rows * cols));
  for (auto& v : x) v = g(rng);
  const FormatDesc& k4 = format_of(GgmlType::Q4_K);
  const FormatDesc& q8 = format_of(GgmlType::Q8_0);
  std::vector<uint8_t> src(size_t(rows * cols / 256 * 144));
  for (int64_t r = 0; r < rows; ++r) k4.quantize(x.data() + r * cols, src.data() + r * 288, cols);
  ThreadPool pool(2);
  const auto out = convert_rows(pool, GgmlType::Q4_K, src.data(), GgmlType::Q8_0, rows, cols, "t");
  ASSERT_EQ(out.size(), size_t(rows * cols / 32 * 34));
  std::vector<float> row(static_cast<size_t>(cols));
  std::vector<uint8_t> expect(size_t(cols / 32 * 34));
  for (int64_t r = 0; r < rows; ++r) {
    k4.dequantize(src.data() + r * 288, row.data(), cols);
    q8.quantize(row.data(), expect.data(), cols);
    EXPECT_TRUE(std::equal(expect.begin(), expect.end(), out.begin() + r * long(expect.size()))) << r;
  }
}

TEST(QuantConvert, NonFiniteValuesAreRejectedForBlockFormats) {
  std::vector<float> x(64, 1.0f);
  x[33] = INFINITY;
  std::vector<uint8_t> src(x.size() * 4);
  std::memcpy(src.data(), x.data(), src.size());
  ThreadPool pool(1);
  try {
    convert_rows(pool, GgmlType::F32, src.data(), GgmlType::Q8_0, 2, 32, "blk.3.attn_k.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("blk.3.attn_k.weight: row 1"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(convert_rows(pool, GgmlType::F32, src.data(), GgmlType::F16, 2, 32, "x"));
  EXPECT_THROW(convert_rows(pool, GgmlType::F32, src.data(), GgmlType::Q4_K, 1, 64, "x"), Error);  // 64 % 256
}

}  // namespace
}  // namespace frugal::kernels
