// Activation quantization: the AVX2 version is bit-identical to the portable one, and the
// portable one meets its contract (d = max|x| / 127, |q * d - x| <= d / 2, exact sums).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/act.h"
#include "kernels/matmul.h"
#include "kernels/matmul_internal.h"

namespace frugal::kernels {
namespace {

std::vector<float> acts(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0, 1);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = g(rng) * std::pow(10.0f, float(int(i / 32 % 9) - 4));
  for (size_t i = 64; i < 96; ++i) v[i] = 0;        // a zero block
  for (size_t i = 96; i < 128; ++i) v[i] = 1e-35f;  // negligible block
  v[300] = 1e30f;                                   // huge outlier
  v[129] = 0.5f * 127.0f / 127.0f;                  // exact ties appear after scaling
  return v;
}

TEST(ActQuant, PortableContract) {
  for (ActKind kind : {ActKind::Q8_32, ActKind::Q8_256}) {
    const int block = kind == ActKind::Q8_32 ? 32 : 256;
    const int64_t cols = 1024;
    const auto x = acts(size_t(cols), 1);
    std::vector<uint8_t> buf(act_row_bytes(kind, cols));
    quantize_act_row(kind, x.data(), cols, buf.data());
    ActRows a;
    a.base = buf.data();
    a.cols = cols;
    for (int64_t b = 0; b < cols / block; ++b) {
      double amax = 0;
      for (int i = 0; i < block; ++i) amax = std::max(amax, double(std::fabs(x[size_t(b * block + i)])));
      const float d = a.d(0)[b];
      EXPECT_EQ(d, amax >= 1e-30 ? float(amax) / 127.0f : 0.0f);
      int total = 0;
      for (int i = 0; i < block; ++i) {
        const int q = a.qs(0)[b * block + i];
        total += q;
        EXPECT_LE(q, 127);
        EXPECT_GE(q, -127);
        EXPECT_LE(std::fabs(double(q) * d - x[size_t(b * block + i)]), d * 0.5001 + 1e-30);
      }
      if (kind == ActKind::Q8_32) {
        EXPECT_EQ(a.sum32(0)[b], d * float(total));
        EXPECT_EQ(a.neg128_sum32(0)[b], -128 * total);
      }
      if (kind == ActKind::Q8_256)
        for (int j = 0; j < 16; ++j) {
          int s = 0;
          for (int i = 0; i < 16; ++i) s += a.qs(0)[b * 256 + 16 * j + i];
          EXPECT_EQ(a.bsums(0)[b * 16 + j], s);
          EXPECT_EQ(a.neg32_bsums(0)[b * 16 + j], -32 * s);
        }
      if (kind == ActKind::Q8_256)
        for (int j = 0; j < 8; ++j) {
          int s = 0;
          for (int i = 0; i < 32; ++i) s += a.qs(0)[b * 256 + 32 * j + i];
          EXPECT_EQ(a.bsums32(0)[b * 8 + j], s);
        }
    }
  }
}

// Each ISA's quantizer (quantize_act) writes the portable one's bytes.
TEST(ActQuant, SimdMatchesPortableBitForBit) {
  for (Isa isa : {Isa::Avx2, Isa::Avx512, Isa::Neon}) {
    if (!cpu_supports(isa)) continue;
    for (ActKind kind : {ActKind::Q8_32, ActKind::Q8_256})
      for (uint32_t seed = 1; seed < 6; ++seed) {
        const int64_t cols = 2048;
        auto x = acts(size_t(cols), seed);
        if (seed == 3) x[700] = std::nanf("");
        if (seed == 4) x[1500] = -INFINITY;
        if (seed == 5) std::fill(x.begin() + 256, x.begin() + 512, 0.0f);  // a zero block
        std::vector<uint8_t> a(act_row_bytes(kind, cols), 0xAA), b(a.size(), 0xAA);
        quantize_act_row(kind, x.data(), cols, a.data());
        quantize_act(isa, kind, x.data(), cols, b.data());
        // Compare the meaningful prefix (qs, scales, sums); NaN scales compare as bytes too.
        EXPECT_EQ(a, b) << isa_name(isa) << " seed " << seed;
      }
  }
}

}  // namespace
}  // namespace frugal::kernels
