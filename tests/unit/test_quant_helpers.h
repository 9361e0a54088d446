// Random weight and activation generators shared by the quantization and matmul tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "base/fp16.h"
#include "kernels/quant/formats.h"

namespace frugal::kernels::testing {

inline const std::vector<GgmlType>& all_formats() {
  static const std::vector<GgmlType> v{GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0,
                                       GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0,
                                       GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q2_K,
                                       GgmlType::Q3_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS};
  return v;
}

// How the fp16 scale fields of random raw blocks are drawn.
enum class Scales { Normal, Mixed };

// One random fp16 scale: Normal = +-[1e-3, 1e-1]; Mixed also gives 0, subnormal, huge, -0.
inline uint16_t random_scale(std::mt19937& rng, Scales mode) {
  std::uniform_real_distribution<float> u(0, 1);
  const float sign = u(rng) < 0.5f ? -1.0f : 1.0f;
  const float normal = sign * std::exp(std::log(1e-3f) + u(rng) * std::log(100.0f));
  if (mode == Scales::Normal) return float_to_fp16(normal);
  switch (std::uniform_int_distribution<int>(0, 7)(rng)) {
    case 0: return 0x0000;                                                    // zero scale
    case 1: return 0x8000;                                                    // -0
    case 2: return uint16_t(std::uniform_int_distribution<int>(1, 0x3ff)(rng));  // subnormal
    case 3: return float_to_fp16(sign * (1000.0f + 60000.0f * u(rng)));       // huge
    case 4: return float_to_fp16(sign * 1e-6f);                              // tiny
    default: return float_to_fp16(normal);
  }
}

inline void put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

// rows x cols of random raw blocks: every code bit random, scale fields from random_scale.
// Float formats get normal values (Mixed: some rows scaled by 1e4 or zero).
inline std::vector<uint8_t> random_weights(GgmlType t, int64_t rows, int64_t cols, std::mt19937& rng, Scales mode) {
  const FormatDesc& f = format_of(t);
  const size_t row_bytes = size_t(cols / f.block_elems * f.block_bytes);
  std::vector<uint8_t> raw(row_bytes * size_t(rows));
  if (f.act == ActKind::F32) {
    std::normal_distribution<float> g(0, 1);
    std::vector<float> v(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
      const float s = mode == Scales::Mixed ? (r % 5 == 1 ? 1e4f : r % 5 == 3 ? 0.0f : 1.0f) : 1.0f;
      for (auto& x : v) x = g(rng) * s;
      f.quantize(v.data(), raw.data() + size_t(r) * row_bytes, cols);
    }
    return raw;
  }
  for (auto& b : raw) b = uint8_t(rng());
  const size_t nblocks = raw.size() / size_t(f.block_bytes);
  for (size_t i = 0; i < nblocks; ++i) {
    uint8_t* b = raw.data() + i * size_t(f.block_bytes);
    if (mode == Scales::Mixed && i % 7 == 3) std::memset(b, 0, size_t(f.block_bytes));  // all-zero block
    if (mode == Scales::Mixed && i % 7 == 3) continue;
    switch (t) {
      case GgmlType::Q4_1:
      case GgmlType::Q5_1:
      case GgmlType::Q4_K:
      case GgmlType::Q5_K:  // d and (d)min
        put16(b, random_scale(rng, mode));
        put16(b + 2, random_scale(rng, mode));
        break;
      case GgmlType::Q6_K: put16(b + 208, random_scale(rng, mode)); break;
      case GgmlType::Q2_K:  // d and dmin
        put16(b + 80, random_scale(rng, mode));
        put16(b + 82, random_scale(rng, mode));
        break;
      case GgmlType::Q3_K: put16(b + 108, random_scale(rng, mode)); break;
      default: put16(b, random_scale(rng, mode)); break;
    }
  }
  return raw;
}

// n activations ~ N(0, 1); Mixed: some 32-blocks zero, some with a large outlier.
inline std::vector<float> random_acts(size_t n, std::mt19937& rng, Scales mode) {
  std::normal_distribution<float> g(0, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = g(rng);
  if (mode == Scales::Mixed)
    for (size_t b = 0; b < n / 32; ++b) {
      if (b % 5 == 2) std::fill(v.begin() + long(32 * b), v.begin() + long(32 * b + 32), 0.0f);
      if (b % 5 == 4) v[32 * b + b % 32] = 300.0f;
    }
  return v;
}

// Error bound of the fast path for output (t, r). Activations are quantized per block of B
// values with step d = max|x| / 127, so each differs from x by at most d / 2 (times 1.001
// for the rounding of d itself); the sum of the products is then exact up to float rounding
// of at most (cols + 16) * 2^-24 relative to sum |w| (|x| + d).
inline double bound(const float* w, const float* x, int64_t cols, int block) {
  double quant = 0, mag = 0;
  for (int64_t b0 = 0; b0 < cols; b0 += block) {
    double amax = 0;
    for (int64_t c = b0; c < b0 + block; ++c) amax = std::max(amax, double(std::fabs(x[c])));
    const double d = block > 1 ? amax / 127 : 0;
    for (int64_t c = b0; c < b0 + block; ++c) {
      quant += std::fabs(double(w[c])) * d / 2;
      mag += std::fabs(double(w[c])) * (std::fabs(double(x[c])) + d);
    }
  }
  return quant * 1.001 + mag * double(cols + 16) * std::ldexp(1.0, -24) + 1e-37;
}

}  // namespace frugal::kernels::testing
