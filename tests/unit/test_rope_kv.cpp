// RoPE tables against closed-form rotations; KV cache growth and bounds.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/fp16.h"
#include "kernels/ops.h"
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
// nearest half, reads back widened, and takes half the bytes; a q8_0 cache stores each head's
// row as q8_0 blocks (codes, and scales in rows of their own), 8.5 bits per value. Layer 1 (no
// V cache, like latent attention) has 40-value heads: a whole block and a short one.
TEST(KvCache, HeadMajorRowsSurviveGrowthInEveryType) {
  using kernels::KvType;
  const std::pair<KvType, uint64_t> kTypes[] = {{KvType::F32, (15 + 80) * 4}, {KvType::F16, (15 + 80) * 2},
                                                {KvType::Q8_0, 3 * (2 + 2) + 3 * (3 + 2) + 2 * (40 + 2 * 2)}};
  for (auto [type, bytes] : kTypes) {
    KvCache c({{6, 9, 3}, {80, 0, 2}}, 300, type);
    EXPECT_EQ(c.type(), type);
    EXPECT_EQ(c.bytes_per_token(), bytes) << kernels::kv_type_name(type);
    const auto value = [](int64_t pos, int64_t col, int kind) {
      return float(pos) * 0.37f - float(col) * (kind == 0 ? 1.3f : kind == 1 ? 2.9f : 0.05f);
    };
    // Head h's row (w values) of a position as the cache must return it.
    const auto expected = [&](int64_t pos, int64_t h, int64_t w, int kind) {
      std::vector<float> r(static_cast<size_t>(w));
      for (int64_t i = 0; i < w; ++i) r[size_t(i)] = value(pos, h * w + i, kind);
      if (type == KvType::F16)
        for (float& x : r) x = fp16_to_float(float_to_fp16(x));
      if (type == KvType::Q8_0) {
        std::vector<int8_t> codes(static_cast<size_t>(w));
        std::vector<uint16_t> scales(size_t(kernels::kv_row_scales(type, w)));
        kernels::to_q8_row(r.data(), codes.data(), scales.data(), w);
        kernels::from_q8_row(codes.data(), scales.data(), r.data(), w);
      }
      return r;
    };
    const auto stored = [&](const KvRows& r, int64_t j, int64_t col) -> float {
      const int64_t at = j * r.stride + col;
      if (type == KvType::Q8_0)
        return float(static_cast<const int8_t*>(r.data)[at]) * fp16_to_float(r.scales[j * r.scale_stride + col / 32]);
      return type == KvType::F16 ? fp16_to_float(static_cast<const uint16_t*>(r.data)[at])
                                 : static_cast<const float*>(r.data)[at];
    };
    int64_t filled = 0;
    for (int64_t n : {int64_t(10), int64_t(70), int64_t(200)}) {  // capacities 64, 128, 256
      c.reserve(2, n);
      for (int64_t pos = filled; pos < n; ++pos, ++filled) {
        float k[6], v[9], latent[80];
        for (int64_t i = 0; i < 6; ++i) k[i] = value(pos, i, 0);
        for (int64_t i = 0; i < 9; ++i) v[i] = value(pos, i, 1);
        for (int64_t i = 0; i < 80; ++i) latent[i] = value(pos, i, 2);
        c.store_k(0, 2, pos, k);
        c.store_v(0, 2, pos, v);
        c.store_k(1, 2, pos, latent);
      }
    }
    const int64_t n_scales = type == KvType::Q8_0 ? 1 : 0;
    for (int64_t h = 0; h < 3; ++h) {
      const KvRows k = c.k_rows(0, 2, h), v = c.v_rows(0, 2, h);
      ASSERT_EQ(k.stride, 2);
      ASSERT_EQ(v.stride, 3);
      ASSERT_EQ(k.scale_stride, n_scales);
      ASSERT_EQ(k.scales != nullptr, type == KvType::Q8_0);
      for (int64_t pos = 0; pos < 200; ++pos) {
        const auto ke = expected(pos, h, 2, 0), ve = expected(pos, h, 3, 1);
        for (int64_t i = 0; i < 2; ++i) ASSERT_EQ(stored(k, pos, i), ke[size_t(i)]) << pos;
        for (int64_t i = 0; i < 3; ++i) ASSERT_EQ(stored(v, pos, i), ve[size_t(i)]) << pos;
      }
    }
    for (int64_t h = 0; h < 2; ++h) {
      const KvRows k = c.k_rows(1, 2, h);
      ASSERT_EQ(k.scale_stride, 2 * n_scales);
      for (int64_t pos = 0; pos < 200; ++pos) {
        const auto ke = expected(pos, h, 40, 2);
        for (int64_t i = 0; i < 40; ++i) ASSERT_EQ(stored(k, pos, i), ke[size_t(i)]) << pos << " " << i;
      }
    }
    for (int layer : {0, 1}) {
      const int64_t w = layer == 0 ? 2 : 40, heads = layer == 0 ? 3 : 2;
      std::vector<float> back(size_t(200 * w * heads));
      c.load_k(layer, 2, 200, back.data());
      for (int64_t pos = 0; pos < 200; ++pos)
        for (int64_t h = 0; h < heads; ++h) {
          const auto ke = expected(pos, h, w, layer == 0 ? 0 : 2);
          for (int64_t i = 0; i < w; ++i) ASSERT_EQ(back[size_t((pos * heads + h) * w + i)], ke[size_t(i)]) << pos;
        }
    }
  }
}

}  // namespace
}  // namespace frugal
