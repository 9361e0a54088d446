// quantize -> dequantize round trips stay within each format's worst-case error bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/quant/formats.h"
#include "test_quant_helpers.h"

namespace frugal::kernels {
namespace {

constexpr double kU16 = 1.0 / 1024;         // relative rounding slack of an fp16 scale (2 ulp)
const double kSub = std::ldexp(1.0, -24);   // spacing of fp16 subnormals (absolute)

// Test data: 32-value groups of very different magnitudes and shapes.
std::vector<float> tricky_data(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> g(0, 1);
  std::uniform_real_distribution<float> u(-3, 3);
  std::vector<float> v(n);
  for (size_t b = 0; b < n / 32; ++b) {
    const float scale = std::pow(10.0f, u(rng));
    for (size_t i = 32 * b; i < 32 * b + 32; ++i) v[i] = g(rng) * scale;
    switch (b % 9) {
      case 1: std::fill(v.begin() + long(32 * b), v.begin() + long(32 * b + 32), 0.0f); break;  // zeros
      case 3: std::fill(v.begin() + long(32 * b), v.begin() + long(32 * b + 32), -scale); break;  // constant
      case 5: for (size_t i = 32 * b; i < 32 * b + 32; ++i) v[i] = std::fabs(v[i]); break;       // positive
      case 6: for (size_t i = 32 * b; i < 32 * b + 32; ++i) v[i] = -std::fabs(v[i]); break;      // negative
      case 7: v[32 * b + 5] = 40 * scale; break;                                                   // outlier
      default: break;
    }
  }
  return v;
}

double amax_of(const float* x, int n) {
  double a = 0;
  for (int i = 0; i < n; ++i) a = std::max(a, double(std::fabs(x[i])));
  return a;
}
// max(x, 0) - min(x, 0) over a sub-block: the span the K formats' grid starts from.
double k_range(const float* x, int n) {
  const double mn = std::min(0.0, double(*std::min_element(x, x + n)));
  return double(*std::max_element(x, x + n)) - mn;
}

// Worst-case |x - dequant(quant(x))| for element i (see quantize_row_* for the schemes).
double bound(GgmlType t, const float* x, int64_t i) {
  const double xi = std::fabs(double(x[i]));
  switch (t) {
    case GgmlType::F32: return 0;
    case GgmlType::F16: return xi * std::ldexp(1.0, -11) + kSub / 2;
    case GgmlType::BF16: return xi * std::ldexp(1.0, -8);
    default: break;
  }
  const int64_t b32 = i / 32 * 32, b256 = i / 256 * 256;
  const double a = amax_of(x + b32, 32);
  const double mn = *std::min_element(x + b32, x + b32 + 32), range = *std::max_element(x + b32, x + b32 + 32) - mn;
  switch (t) {
    case GgmlType::Q8_0: return 0.5 * a / 127 * (1 + kU16) + kSub;  // half a step
    case GgmlType::Q4_0: return a / 8 * (1 + kU16) + kSub;          // one step: +8 clamps to +7
    case GgmlType::Q5_0: return a / 16 * (1 + kU16) + kSub;
    case GgmlType::Q4_1: return 0.5 * range / 15 + (std::fabs(mn) + range) * kU16 + kSub;
    case GgmlType::Q5_1: return 0.5 * range / 31 + (std::fabs(mn) + range) * kU16 + kSub;
    case GgmlType::Q4_K:
    case GgmlType::Q5_K: {
      // Offsets and scales round up, so nothing clamps: error <= step / 2 with
      // step <= (range_j + dmin) / L + d, dmin <= O / 63 (+ulp) where O is the largest
      // offset -min(x, 0) of a sub-block, and d <= (R + dmin) / (63 L) (+ulp), R the largest range.
      const double L = t == GgmlType::Q4_K ? 15 : 31;
      double R = 0, O = 0;
      for (int j = 0; j < 8; ++j) {
        const float* s = x + b256 + 32 * j;
        R = std::max(R, k_range(s, 32));
        O = std::max(O, -std::min(0.0, double(*std::min_element(s, s + 32))));
      }
      const double dmin = O / 63 * (1 + kU16) + kSub, d = (R + dmin) / (63 * L) * (1 + kU16) + kSub;
      return 0.5 * ((k_range(x + b32, 32) + dmin) / L + d) * (1 + 1e-6);
    }
    case GgmlType::Q6_K: {
      // Sub-blocks of 16, q in [-32, 31]: error <= one step <= max|x| / 32 + d.
      double A = 0;
      for (int j = 0; j < 16; ++j) A = std::max(A, amax_of(x + b256 + 16 * j, 16));
      return (amax_of(x + i / 16 * 16, 16) / 32 + A / (32 * 127) * (1 + kU16) + kSub) * (1 + 1e-6);
    }
    case GgmlType::Q2_K: {
      // As Q4_K over 16 sub-blocks of 16 with 4-bit scales and mins and 4 levels (L = 3).
      double R = 0, O = 0;
      for (int j = 0; j < 16; ++j) {
        const float* s = x + b256 + 16 * j;
        R = std::max(R, k_range(s, 16));
        O = std::max(O, -std::min(0.0, double(*std::min_element(s, s + 16))));
      }
      const double dmin = O / 15 * (1 + kU16) + kSub, d = (R + dmin) / (15 * 3) * (1 + kU16) + kSub;
      return 0.5 * ((k_range(x + i / 16 * 16, 16) + dmin) / 3 + d) * (1 + 1e-6);
    }
    case GgmlType::Q3_K: {
      // As Q6_K with q in [-4, 3] and scales up to 31: error <= one step <= max|x| / 4 + d.
      double A = 0;
      for (int j = 0; j < 16; ++j) A = std::max(A, amax_of(x + b256 + 16 * j, 16));
      return (amax_of(x + i / 16 * 16, 16) / 4 + A / (4 * 31) * (1 + kU16) + kSub) * (1 + 1e-6);
    }
    case GgmlType::IQ4_NL:  // nearest grid point: half the widest gap (24 steps), or the top clamp (14)
      return a / 127 * 14 * (1 + kU16) + kSub;
    case GgmlType::IQ4_XS: {  // the same with the sub-block's step, rounded up by at most d
      double A = 0;
      for (int j = 0; j < 8; ++j) A = std::max(A, amax_of(x + b256 + 32 * j, 32));
      return ((a / 127 + A / (127 * 31) * (1 + kU16)) * 14 + kSub) * (1 + 1e-6);
    }
    default: ADD_FAILURE(); return 0;
  }
}

class RoundTrip : public ::testing::TestWithParam<GgmlType> {};

TEST_P(RoundTrip, ErrorWithinFormatBound) {
  const GgmlType t = GetParam();
  const FormatDesc& f = format_of(t);
  std::mt19937 rng(42 + uint32_t(t));
  const int64_t n = 256 * 36;
  const auto x = tricky_data(size_t(n), rng);
  std::vector<uint8_t> q(size_t(n / f.block_elems * f.block_bytes));
  std::vector<float> y(static_cast<size_t>(n));
  f.quantize(x.data(), q.data(), n);
  f.dequantize(q.data(), y.data(), n);
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double err = std::fabs(double(y[size_t(i)]) - x[size_t(i)]), b = bound(t, x.data(), i);
    if (!(err <= b) && ++bad <= 5)
      ADD_FAILURE() << f.name << " i=" << i << " x=" << x[size_t(i)] << " y=" << y[size_t(i)] << " bound=" << b;
    // All-zero blocks must come back exactly zero.
    if (amax_of(x.data() + i / 32 * 32, 32) == 0) {
      EXPECT_EQ(y[size_t(i)], 0.0f);
    }
  }
  EXPECT_EQ(bad, 0) << f.name;
}

// Typical error on Gaussian weights: relative RMS error per format (catches a quantizer that
// stays inside its worst-case bound but wastes its levels).
TEST_P(RoundTrip, GaussianRmsError) {
  const GgmlType t = GetParam();
  const FormatDesc& f = format_of(t);
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0, 1);
  const int64_t n = 256 * 64;
  std::vector<float> x(static_cast<size_t>(n)), y(static_cast<size_t>(n));
  for (auto& v : x) v = g(rng);
  std::vector<uint8_t> q(size_t(n / f.block_elems * f.block_bytes));
  f.quantize(x.data(), q.data(), n);
  f.dequantize(q.data(), y.data(), n);
  double se = 0, sx = 0;
  for (int64_t i = 0; i < n; ++i) se += std::pow(double(y[i]) - x[i], 2), sx += double(x[i]) * x[i];
  const double rel = std::sqrt(se / sx);
  // Uniform-noise estimate step / sqrt(12) relative to sigma = 1, with margin for the
  // block maxima (~2.5 sigma per 32 values) and the coarse offsets of the affine formats.
  const double limit = t == GgmlType::F32 ? 0 : t == GgmlType::F16 ? 3e-4 : t == GgmlType::BF16 ? 3e-3
                       : t == GgmlType::Q8_0 ? 0.007 : t == GgmlType::Q6_K ? 0.025
                       : t == GgmlType::Q2_K ? 0.45 : t == GgmlType::Q3_K ? 0.2
                       : (t == GgmlType::Q5_0 || t == GgmlType::Q5_1 || t == GgmlType::Q5_K) ? 0.05 : 0.1;
  EXPECT_LE(rel, limit) << f.name;
  RecordProperty(std::string("rel_rms_") + f.name, std::to_string(rel));
  std::printf("%s relative RMS error %.5f\n", f.name, rel);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, RoundTrip, ::testing::ValuesIn(testing::all_formats()),
                         [](const auto& p) { return std::string(format_of(p.param).name); });

}  // namespace
}  // namespace frugal::kernels
