// RoPE tables against closed-form rotations; KV cache growth and bounds.
#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "layers/kv_cache.h"
#include "layers/rope.h"

namespace frugal {
namespace {

TEST(Rope, RotatesPairsByPositionTimesFrequency) {
  RopeParams p;
  p.n_rot = 8;
  p.freq_base = 100.0f;
  RopeTables t(p, {0, 3});
  for (int i = 0; i < 4; ++i) {
    EXPECT_FLOAT_EQ(t.cos(0)[i], 1.0f);
    const double theta = 3.0 * std::pow(100.0, -2.0 * i / 8.0);
    EXPECT_NEAR(t.cos(1)[i], std::cos(theta), 1e-6);
    EXPECT_NEAR(t.sin(1)[i], std::sin(theta), 1e-6);
  }
}

TEST(Rope, InterleavedAndNeoxAgreeUpToPermutation) {
  RopeParams p;
  p.n_rot = 8;
  RopeTables t(p, {5});
  float a[8], b[8];
  for (int i = 0; i < 8; ++i) a[i] = float(i + 1);
  // neox layout of the same pairs: pair i = (x[i], x[i+4]) <- interleaved (x[2i], x[2i+1])
  for (int i = 0; i < 4; ++i) b[i] = a[2 * i], b[i + 4] = a[2 * i + 1];
  t.apply(0, a, 1, 8, kernels::RopeMode::Interleaved);
  t.apply(0, b, 1, 8, kernels::RopeMode::Neox);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(a[2 * i], b[i], 1e-6);
    EXPECT_NEAR(a[2 * i + 1], b[i + 4], 1e-6);
  }
}

TEST(Rope, FreqFactorsDivideFrequencies) {
  RopeParams p;
  p.n_rot = 4;
  p.freq_factors = {1.0f, 8.0f};
  RopeTables t(p, {10});
  EXPECT_NEAR(t.sin(0)[1], std::sin(10.0 * std::pow(10000.0, -0.5) / 8.0), 1e-6);
  p.freq_factors = {1.0f};
  EXPECT_THROW(RopeTables(p, {1}), Error);
}

TEST(KvCache, GrowsPerSequenceAndBoundsContext) {
  KvCache c({{4, 4}, {6, 0}}, 100);
  c.reserve(0, 10);
  c.reserve(3, 1);
  c.k(0, 0, 9)[3] = 1.5f;
  c.reserve(0, 80);  // growth keeps contents
  EXPECT_EQ(c.k(0, 0, 9)[3], 1.5f);
  c.set_length(0, 80);
  EXPECT_EQ(c.length(0), 80);
  EXPECT_EQ(c.length(3), 0);
  EXPECT_THROW(c.reserve(0, 101), Error);
  EXPECT_EQ(c.bytes_per_token(), (4u + 4u + 6u) * 4u);
  c.truncate(0, 5);
  EXPECT_EQ(c.length(0), 5);
}

}  // namespace
}  // namespace frugal
