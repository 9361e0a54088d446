// Reference dequantizers and quantizers for the non-linear 4-bit formats IQ4_NL (blocks of 32) and
// IQ4_XS (256 values in 8 sub-blocks of 32 with 6-bit scales): codes index kIq4Values.
#include <algorithm>
#include <cmath>

#include "kernels/quant/blocks.h"
#include "kernels/quant/formats.h"
#include "kernels/quant/quant_util.h"

namespace frugal::kernels {

namespace {

// Code of element e (< 32) of a 32-value run of nibbles.
int nibble(const uint8_t* qs, int e) { return e < 16 ? qs[e] & 0xF : qs[e - 16] >> 4; }

// The grid index nearest to v (in units of the step); ties to the lower value.
int nearest_code(float v) {
  int best = 0;
  for (int q = 1; q < 16; ++q)
    if (std::fabs(v - float(kIq4Values[q])) < std::fabs(v - float(kIq4Values[best]))) best = q;
  return best;
}

// 32 values to nibbles with step `step` (0: all codes of the grid value nearest 0).
void put_nibbles(const float* x, float step, uint8_t* qs) {
  const float inv = step != 0 ? 1.0f / step : 0.0f;
  for (int e = 0; e < 16; ++e)
    qs[e] = uint8_t(nearest_code(x[e] * inv) | nearest_code(x[e + 16] * inv) << 4);
}

// The value of largest magnitude of n values (signed).
float signed_extreme(const float* x, int n) {
  float mx = 0;
  for (int i = 0; i < n; ++i)
    if (std::fabs(x[i]) > std::fabs(mx)) mx = x[i];
  return mx;
}

}  // namespace

void dequantize_row_iq4_nl(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockIQ4_NL>(src, i);
    const float d = fp16_to_float(b.d);
    for (int e = 0; e < kQK; ++e) dst[i * kQK + e] = d * float(kIq4Values[nibble(b.qs, e)]);
  }
}

void dequantize_row_iq4_xs(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const auto b = load_block<BlockIQ4_XS>(src, i);
    const float d = fp16_to_float(b.d);
    for (int j = 0; j < 8; ++j) {
      const float dl = d * float(iq4xs_scale(b, j));
      for (int e = 0; e < 32; ++e) dst[i * kQKK + 32 * j + e] = dl * float(kIq4Values[nibble(b.qs + 16 * j, e)]);
    }
  }
}

// Per 32 values: scale d (IQ4_XS: d * (ls - 32)), bias 0, codes the grid values.
void affine_row_iq4_nl(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockIQ4_NL>(src, i);
    scale[i] = fp16_to_float(b.d), bias[i] = 0;
    for (int e = 0; e < kQK; ++e) codes[i * kQK + e] = kIq4Values[nibble(b.qs, e)];
  }
}

void affine_row_iq4_xs(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const auto b = load_block<BlockIQ4_XS>(src, i);
    const float d = fp16_to_float(b.d);
    for (int j = 0; j < 8; ++j) {
      scale[i * 8 + j] = d * float(iq4xs_scale(b, j)), bias[i * 8 + j] = 0;
      for (int e = 0; e < 32; ++e) codes[i * kQKK + 32 * j + e] = kIq4Values[nibble(b.qs + 16 * j, e)];
    }
  }
}

// IQ4_NL: the value of largest magnitude maps to -127 (d may be negative); every value to the
// nearest grid point (those above 113 steps clamp to it).
void quantize_row_iq4_nl(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    BlockIQ4_NL b{};
    b.d = float_to_fp16(signed_extreme(x, kQK) / -127.0f);
    put_nibbles(x, fp16_to_float(b.d), b.qs);
    store_block(dst, i, b);
  }
}

// IQ4_XS: per sub-block the step extreme / -127 as ls - 32 steps of d (magnitude rounded up,
// so no value leaves the grid's range by more than IQ4_NL's top clamp).
void quantize_row_iq4_xs(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const float* x = src + i * kQKK;
    float step[8], max_abs = 0;
    for (int j = 0; j < 8; ++j) {
      step[j] = signed_extreme(x + 32 * j, 32) / -127.0f;
      max_abs = std::max(max_abs, std::fabs(step[j]));
    }
    BlockIQ4_XS b{};
    b.d = fp16_round_up(max_abs / 31.0f);
    const float d = fp16_to_float(b.d);
    for (int j = 0; j < 8; ++j) {
      const float mag = d > 0 ? std::min(31.0f, std::ceil(std::fabs(step[j]) / d)) : 0.0f;
      const int ls = int(step[j] < 0 ? -mag : mag) + 32;
      b.scales_l[j / 2] = uint8_t(b.scales_l[j / 2] | (ls & 0xF) << (4 * (j % 2)));
      b.scales_h = uint16_t(b.scales_h | (ls >> 4) << (2 * j));
      put_nibbles(x + 32 * j, d * float(ls - 32), b.qs + 16 * j);
    }
    store_block(dst, i, b);
  }
}

}  // namespace frugal::kernels
