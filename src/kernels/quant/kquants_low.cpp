// Reference dequantizers and quantizers for the low-bit K formats Q2_K and Q3_K (16 sub-blocks
// of 16 values per 256-value block; the quantized scales and the 2-bit code planes of both).
#include <algorithm>
#include <cmath>

#include "kernels/quant/blocks.h"
#include "kernels/quant/formats.h"
#include "kernels/quant/quant_util.h"

namespace frugal::kernels {

namespace {

// The low two bits of element e's code, from the qs planes shared by Q2_K and Q3_K.
int low2(const uint8_t* qs, int e) {
  const int h = e / 128, k = e % 128 / 32, l = e % 32;
  return (qs[32 * h + l] >> (2 * k)) & 3;
}
void put_low2(uint8_t* qs, int e, int q) {
  const int h = e / 128, k = e % 128 / 32, l = e % 32;
  qs[32 * h + l] = uint8_t(qs[32 * h + l] | (q & 3) << (2 * k));
}
// Bit 2 of Q3_K element e's code.
int q3_high(const uint8_t* hmask, int e) { return (hmask[e % 32] >> (e / 128 * 4 + e % 128 / 32)) & 1; }

int q3_code(const BlockQ3_K& b, int e) { return (low2(b.qs, e) | q3_high(b.hmask, e) << 2) - 4; }

}  // namespace

void dequantize_row_q2_k(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const auto b = load_block<BlockQ2_K>(src, i);
    const float d = fp16_to_float(b.d), dmin = fp16_to_float(b.dmin);
    for (int e = 0; e < kQKK; ++e) {
      const uint8_t s = b.scales[e / 16];
      dst[i * kQKK + e] = d * float(s & 0xF) * float(low2(b.qs, e)) - dmin * float(s >> 4);
    }
  }
}

void dequantize_row_q3_k(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const auto b = load_block<BlockQ3_K>(src, i);
    const float d = fp16_to_float(b.d);
    int8_t sc[16];
    unpack_q3_scales(b.scales, sc);
    for (int e = 0; e < kQKK; ++e) dst[i * kQKK + e] = d * float(sc[e / 16]) * float(q3_code(b, e));
  }
}

// Per 16-value sub-block: Q2_K scale d * (s & 15), bias -(dmin * (s >> 4)); Q3_K scale
// d * sc, bias 0.
void affine_row_q2_k(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const auto b = load_block<BlockQ2_K>(src, i);
    const float d = fp16_to_float(b.d), dmin = fp16_to_float(b.dmin);
    for (int j = 0; j < 16; ++j)
      scale[i * 16 + j] = d * float(b.scales[j] & 0xF), bias[i * 16 + j] = -(dmin * float(b.scales[j] >> 4));
    for (int e = 0; e < kQKK; ++e) codes[i * kQKK + e] = int8_t(low2(b.qs, e));
  }
}

void affine_row_q3_k(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const auto b = load_block<BlockQ3_K>(src, i);
    const float d = fp16_to_float(b.d);
    int8_t sc[16];
    unpack_q3_scales(b.scales, sc);
    for (int j = 0; j < 16; ++j) scale[i * 16 + j] = d * float(sc[j]), bias[i * 16 + j] = 0;
    for (int e = 0; e < kQKK; ++e) codes[i * kQKK + e] = int8_t(q3_code(b, e));
  }
}

// Q2_K: per sub-block x ~= d * sc * q - dmin * m with 4-bit sc and m. The offsets and the
// scales round up, so no value clamps (as the Q4_K quantizer).
void quantize_row_q2_k(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const float* x = src + i * kQKK;
    float need_off[16], top[16], max_off = 0, max_scale = 0;
    for (int j = 0; j < 16; ++j) {
      need_off[j] = std::max(0.0f, -*std::min_element(x + 16 * j, x + 16 * j + 16));
      top[j] = *std::max_element(x + 16 * j, x + 16 * j + 16);
      max_off = std::max(max_off, need_off[j]);
    }
    BlockQ2_K b{};
    b.dmin = fp16_round_up(max_off / 15.0f);
    const float dmin = fp16_to_float(b.dmin);
    int m[16];
    float need_scale[16];
    for (int j = 0; j < 16; ++j) {
      m[j] = dmin > 0 ? int(std::min(15.0f, std::ceil(need_off[j] / dmin))) : 0;
      need_scale[j] = std::max(0.0f, (top[j] + dmin * float(m[j])) / 3.0f);
      max_scale = std::max(max_scale, need_scale[j]);
    }
    b.d = fp16_round_up(max_scale / 15.0f);
    const float d = fp16_to_float(b.d);
    for (int j = 0; j < 16; ++j) {
      const int sc = d > 0 ? int(std::min(15.0f, std::ceil(need_scale[j] / d))) : 0;
      b.scales[j] = uint8_t(sc | m[j] << 4);
      const float step = d * float(sc), off = dmin * float(m[j]);
      const float inv = step > 0 ? 1.0f / step : 0.0f;
      for (int l = 0; l < 16; ++l) put_low2(b.qs, 16 * j + l, round_clamp((x[16 * j + l] + off) * inv, 0, 3));
    }
    store_block(dst, i, b);
  }
}

// Q3_K: per sub-block x ~= d * sc * (q - 4), sc in [-31, 31]; the value of largest magnitude
// maps to code -4 (as Q6_K's to -32).
void quantize_row_q3_k(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const float* x = src + i * kQKK;
    BlockQ3_K b{};
    int sc[16];
    b.d = signed_sub_scales(x, 4.0f, 31.0f, sc);
    const float d = fp16_to_float(b.d);
    int8_t packed[16];
    for (int j = 0; j < 16; ++j) {
      packed[j] = int8_t(sc[j]);
      const float step = d * float(sc[j]);
      const float inv = step != 0 ? 1.0f / step : 0.0f;
      for (int l = 0; l < 16; ++l) {
        const int e = 16 * j + l, q = round_clamp(x[e] * inv + 4.0f, 0, 7);
        put_low2(b.qs, e, q);
        b.hmask[e % 32] = uint8_t(b.hmask[e % 32] | (q >> 2) << (e / 128 * 4 + e % 128 / 32));
      }
    }
    pack_q3_scales(packed, b.scales);
    store_block(dst, i, b);
  }
}

}  // namespace frugal::kernels
