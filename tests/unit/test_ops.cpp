// Row operations: SIMD variants against the scalar versions and closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "base/arch.h"
#include "kernels/ops.h"
#include "kernels/ops_simd.h"

namespace frugal::kernels {
namespace {

#if FRUGAL_X86  // the SIMD row operations are x86 code
bool have_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

std::vector<float> randoms(size_t n, float scale, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(Ops, SiluMulAvx2MatchesScalar) {
  if (!have_avx2()) GTEST_SKIP() << "no AVX2";
  for (size_t n : {1u, 7u, 8u, 33u, 1000u}) {
    auto g = randoms(n, 6.0f, 1), u = randoms(n, 1.0f, 2);
    g[0] = -100.0f;  // exp overflow side
    if (n > 1) g[1] = 100.0f;
    std::vector<float> a(n), b(n);
    silu_mul_scalar(g.data(), u.data(), a.data(), int64_t(n));
    silu_mul_avx2(g.data(), u.data(), b.data(), int64_t(n));
    for (size_t i = 0; i < n; ++i) EXPECT_NEAR(a[i], b[i], 1e-6f * (1.0f + std::fabs(a[i]))) << i;
  }
}

TEST(Ops, SoftmaxAvx2MatchesScalarWithInfinities) {
  if (!have_avx2()) GTEST_SKIP() << "no AVX2";
  for (size_t n : {1u, 5u, 8u, 17u, 4096u}) {
    auto x = randoms(n, 10.0f, 3);
    if (n > 2) x[2] = -std::numeric_limits<float>::infinity();
    auto y = x;
    softmax_scalar(x.data(), int64_t(n));
    softmax_avx2(y.data(), int64_t(n));
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      EXPECT_NEAR(x[i], y[i], 1e-6f * (1.0f + x[i])) << i;
      sum += y[i];
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
    if (n > 2) {
      EXPECT_EQ(y[2], 0.0f);
    }
  }
}

// F16C conversions give the portable path's halves bit for bit: normal values across the
// range, halfway ties (round to even), subnormals, overflow to infinity, signed zeros.
TEST(Ops, HalfConversionF16cMatchesScalar) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("f16c")) GTEST_SKIP() << "no F16C";
  std::vector<float> x = randoms(1000, 3.0f, 4);
  for (float e : {1e-8f, 3e-5f, 6.1e-5f, 1.0f, 1000.0f, 65504.0f, 65520.0f, 1e6f}) {
    x.push_back(e);
    x.push_back(-e * 1.0001f);
  }
  for (uint32_t m = 0; m < 64; ++m) x.push_back(1.0f + (float(m) + 0.5f) / 1024.0f);  // ties: 11 bits + a half
  x.push_back(0.0f);
  x.push_back(-0.0f);
  x.push_back(std::numeric_limits<float>::infinity());
  std::vector<uint16_t> a(x.size()), b(x.size());
  to_half_scalar(x.data(), a.data(), int64_t(x.size()));
  to_half_f16c(x.data(), b.data(), int64_t(x.size()));
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(a[i], b[i]) << i << ": " << x[i];
  std::vector<float> wa(x.size()), wb(x.size());
  from_half_scalar(a.data(), wa.data(), int64_t(a.size()));
  from_half_f16c(a.data(), wb.data(), int64_t(a.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(std::signbit(wa[i]), std::signbit(wb[i])) << i;
    ASSERT_EQ(wa[i], wb[i]) << i;
    if (std::fabs(x[i]) < 65504.0f) {
      ASSERT_LE(std::fabs(wa[i] - x[i]), std::fabs(x[i]) / 2048.0f + 6e-8f) << x[i];
    }
  }
  EXPECT_EQ(a[x.size() - 1], 0x7c00);  // inf
}

#endif  // FRUGAL_X86

TEST(Ops, SoftmaxClosedForm) {
  float x[3] = {0.0f, std::log(2.0f), std::log(5.0f)};
  softmax(x, 3);
  EXPECT_NEAR(x[0], 0.125f, 1e-6f);
  EXPECT_NEAR(x[1], 0.25f, 1e-6f);
  EXPECT_NEAR(x[2], 0.625f, 1e-6f);
}

TEST(Ops, RmsNormAndSilu) {
  const float x[2] = {3.0f, 4.0f}, w[2] = {1.0f, 2.0f};
  float y[2];
  rms_norm(x, w, y, 2, 0.0f);
  const float r = std::sqrt(12.5f);
  EXPECT_NEAR(y[0], 3.0f / r, 1e-6f);
  EXPECT_NEAR(y[1], 8.0f / r, 1e-6f);
  const float g[1] = {1.5f}, u[1] = {2.0f};
  float o[1];
  silu_mul(g, u, o, 1);
  EXPECT_NEAR(o[0], 1.5f / (1.0f + std::exp(-1.5f)) * 2.0f, 1e-6f);
}

}  // namespace
}  // namespace frugal::kernels
