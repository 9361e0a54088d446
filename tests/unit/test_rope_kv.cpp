// RoPE tables against closed-form rotations; KV cache growth and bounds.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "base/error.h"
#include "base/fp16.h"
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
  const float row[4] = {0.0f, 0.0f, 0.0f, 1.5f};
  c.store_k(0, 0, 9, row);
  c.reserve(0, 80);  // growth keeps contents
  const KvRows k = c.k_rows(0, 0, 0);
  EXPECT_EQ(k.stride, 4);
  EXPECT_EQ(static_cast<const float*>(k.data)[9 * 4 + 3], 1.5f);
  c.set_length(0, 80);
  EXPECT_EQ(c.length(0), 80);
  EXPECT_EQ(c.length(3), 0);
  EXPECT_THROW(c.reserve(0, 101), Error);
  EXPECT_THROW(c.store_k(0, 3, 64, row), Error);  // sequence 3 holds 64 positions
  EXPECT_THROW(c.k_rows(0, 7, 0), Error);         // no such sequence
  EXPECT_THROW(c.k_rows(0, 0, 1), Error);         // one head
  EXPECT_EQ(c.bytes_per_token(), (4u + 4u + 6u) * 4u);
  c.truncate(0, 5);
  EXPECT_EQ(c.length(0), 5);
  EXPECT_THROW(KvCache({{int64_t(1) << 31, 0}}, 1 << 30), Error);  // 2^63 bytes
  EXPECT_THROW(KvCache({{6, 6, 4}}, 8), Error);                     // 6 values in 4 heads
}

// Rows are stored head-major (each head's positions contiguous) and survive growth, which
// re-lays them out for the larger capacity; a half cache stores each value rounded to the
// nearest half, reads back widened, and takes half the bytes.
TEST(KvCache, HeadMajorRowsSurviveGrowthInBothTypes) {
  for (kernels::KvType type : {kernels::KvType::F32, kernels::KvType::F16}) {
    KvCache c({{6, 9, 3}}, 300, type);
    EXPECT_EQ(c.type(), type);
    EXPECT_EQ(c.bytes_per_token(), uint64_t(6 + 9) * uint64_t(kernels::kv_type_size(type)));
    const auto value = [](int64_t pos, int64_t col, bool is_k) {
      return float(pos) * 0.37f - float(col) * (is_k ? 1.3f : 2.9f);
    };
    const auto stored = [&](const KvRows& r, int64_t j, int64_t col) -> float {
      const int64_t at = j * r.stride + col;
      return type == kernels::KvType::F16 ? fp16_to_float(static_cast<const uint16_t*>(r.data)[at])
                                          : static_cast<const float*>(r.data)[at];
    };
    const auto rounded = [&](float x) { return type == kernels::KvType::F16 ? fp16_to_float(float_to_fp16(x)) : x; };
    int64_t filled = 0;
    for (int64_t n : {int64_t(10), int64_t(70), int64_t(200)}) {  // capacities 64, 128, 256
      c.reserve(2, n);
      for (int64_t pos = filled; pos < n; ++pos, ++filled) {
        float k[6], v[9];
        for (int64_t i = 0; i < 6; ++i) k[i] = value(pos, i, true);
        for (int64_t i = 0; i < 9; ++i) v[i] = value(pos, i, false);
        c.store_k(0, 2, pos, k);
        c.store_v(0, 2, pos, v);
      }
    }
    for (int64_t h = 0; h < 3; ++h) {
      const KvRows k = c.k_rows(0, 2, h), v = c.v_rows(0, 2, h);
      ASSERT_EQ(k.stride, 2);
      ASSERT_EQ(v.stride, 3);
      for (int64_t pos = 0; pos < 200; ++pos) {
        for (int64_t i = 0; i < 2; ++i) ASSERT_EQ(stored(k, pos, i), rounded(value(pos, h * 2 + i, true))) << pos;
        for (int64_t i = 0; i < 3; ++i) ASSERT_EQ(stored(v, pos, i), rounded(value(pos, h * 3 + i, false))) << pos;
      }
    }
    std::vector<float> back(200 * 6);
    c.load_k(0, 2, 200, back.data());
    for (int64_t pos = 0; pos < 200; ++pos)
      for (int64_t i = 0; i < 6; ++i) ASSERT_EQ(back[size_t(pos * 6 + i)], rounded(value(pos, i, true))) << pos;
  }
}

}  // namespace
}  // namespace frugal
