// Reference dequantizers and quantizers for the 32-value block formats Q4_0 .. Q8_0.
#include <algorithm>
#include <cmath>

#include "kernels/quant/blocks.h"
#include "kernels/quant/formats.h"
#include "kernels/quant/quant_util.h"

namespace frugal::kernels {

namespace {

// The value with the largest magnitude (keeps its sign).
float signed_absmax(const float* x, int n) {
  float best = 0;
  for (int i = 0; i < n; ++i)
    if (std::fabs(x[i]) > std::fabs(best)) best = x[i];
  return best;
}

// 4-bit codes q[0..32) into the 16-byte nibble layout (element j low, j + 16 high).
void pack_nibbles(const int* q, uint8_t* qs) {
  for (int j = 0; j < kQK / 2; ++j) qs[j] = uint8_t(q[j] | (q[j + kQK / 2] << 4));
}
// The fifth bits of 5-bit codes into the little-endian u32 qh.
void pack_high_bits(const int* q, uint8_t* qh) {
  uint32_t h = 0;
  for (int j = 0; j < kQK; ++j) h |= uint32_t((q[j] >> 4) & 1) << j;
  std::memcpy(qh, &h, 4);
}
int nibble(const uint8_t* qs, int j) { return j < kQK / 2 ? qs[j] & 0xF : qs[j - kQK / 2] >> 4; }
int high_bit(const uint8_t* qh, int j) {
  uint32_t h;
  std::memcpy(&h, qh, 4);
  return int((h >> j) & 1);
}

// Symmetric quantization x ~= d * (q - zero), q in [0, 2 * zero - 1], d = absmax / -zero.
void quantize_symmetric(const float* x, int zero, uint16_t* d_out, int* q) {
  const float mx = signed_absmax(x, kQK);
  *d_out = float_to_fp16(mx / float(-zero));
  const float d = fp16_to_float(*d_out);
  const float id = d != 0 ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) q[j] = round_clamp(x[j] * id + float(zero), 0, 2 * zero - 1);
}

// Affine quantization x ~= d * q + m, q in [0, levels - 1].
void quantize_affine(const float* x, int levels, uint16_t* d_out, uint16_t* m_out, int* q) {
  const float mn = *std::min_element(x, x + kQK), mx = *std::max_element(x, x + kQK);
  *d_out = float_to_fp16((mx - mn) / float(levels - 1));
  *m_out = float_to_fp16(mn);
  const float d = fp16_to_float(*d_out), m = fp16_to_float(*m_out);
  const float id = d != 0 ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) q[j] = round_clamp((x[j] - m) * id, 0, levels - 1);
}

}  // namespace

void dequantize_row_q4_0(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockQ4_0>(src, i);
    const float d = fp16_to_float(b.d);
    for (int j = 0; j < kQK; ++j) dst[i * kQK + j] = d * float(nibble(b.qs, j) - 8);
  }
}

void dequantize_row_q4_1(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockQ4_1>(src, i);
    const float d = fp16_to_float(b.d), m = fp16_to_float(b.m);
    for (int j = 0; j < kQK; ++j) dst[i * kQK + j] = d * float(nibble(b.qs, j)) + m;
  }
}

void dequantize_row_q5_0(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockQ5_0>(src, i);
    const float d = fp16_to_float(b.d);
    for (int j = 0; j < kQK; ++j) dst[i * kQK + j] = d * float((nibble(b.qs, j) | high_bit(b.qh, j) << 4) - 16);
  }
}

void dequantize_row_q5_1(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockQ5_1>(src, i);
    const float d = fp16_to_float(b.d), m = fp16_to_float(b.m);
    for (int j = 0; j < kQK; ++j) dst[i * kQK + j] = d * float(nibble(b.qs, j) | high_bit(b.qh, j) << 4) + m;
  }
}

void dequantize_row_q8_0(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockQ8_0>(src, i);
    const float d = fp16_to_float(b.d);
    for (int j = 0; j < kQK; ++j) dst[i * kQK + j] = d * float(b.qs[j]);
  }
}

// One (scale, bias) per 32-value block: value = d * code + bias.
void affine_row_q4_0(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockQ4_0>(src, i);
    scale[i] = fp16_to_float(b.d), bias[i] = 0;
    for (int j = 0; j < kQK; ++j) codes[i * kQK + j] = int8_t(nibble(b.qs, j) - 8);
  }
}

void affine_row_q4_1(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockQ4_1>(src, i);
    scale[i] = fp16_to_float(b.d), bias[i] = fp16_to_float(b.m);
    for (int j = 0; j < kQK; ++j) codes[i * kQK + j] = int8_t(nibble(b.qs, j));
  }
}

void affine_row_q5_0(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockQ5_0>(src, i);
    scale[i] = fp16_to_float(b.d), bias[i] = 0;
    for (int j = 0; j < kQK; ++j) codes[i * kQK + j] = int8_t((nibble(b.qs, j) | high_bit(b.qh, j) << 4) - 16);
  }
}

void affine_row_q5_1(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockQ5_1>(src, i);
    scale[i] = fp16_to_float(b.d), bias[i] = fp16_to_float(b.m);
    for (int j = 0; j < kQK; ++j) codes[i * kQK + j] = int8_t(nibble(b.qs, j) | high_bit(b.qh, j) << 4);
  }
}

void affine_row_q8_0(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const auto b = load_block<BlockQ8_0>(src, i);
    scale[i] = fp16_to_float(b.d), bias[i] = 0;
    for (int j = 0; j < kQK; ++j) codes[i * kQK + j] = b.qs[j];
  }
}

void quantize_row_q4_0(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    BlockQ4_0 b;
    int q[kQK];
    quantize_symmetric(src + i * kQK, 8, &b.d, q);
    pack_nibbles(q, b.qs);
    store_block(dst, i, b);
  }
}

void quantize_row_q4_1(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    BlockQ4_1 b;
    int q[kQK];
    quantize_affine(src + i * kQK, 16, &b.d, &b.m, q);
    pack_nibbles(q, b.qs);
    store_block(dst, i, b);
  }
}

void quantize_row_q5_0(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    BlockQ5_0 b;
    int q[kQK], lo[kQK];
    quantize_symmetric(src + i * kQK, 16, &b.d, q);
    for (int j = 0; j < kQK; ++j) lo[j] = q[j] & 0xF;
    pack_nibbles(lo, b.qs);
    pack_high_bits(q, b.qh);
    store_block(dst, i, b);
  }
}

void quantize_row_q5_1(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    BlockQ5_1 b;
    int q[kQK], lo[kQK];
    quantize_affine(src + i * kQK, 32, &b.d, &b.m, q);
    for (int j = 0; j < kQK; ++j) lo[j] = q[j] & 0xF;
    pack_nibbles(lo, b.qs);
    pack_high_bits(q, b.qh);
    store_block(dst, i, b);
  }
}

void quantize_row_q8_0(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    BlockQ8_0 b;
    b.d = float_to_fp16(amax / 127.0f);
    const float d = fp16_to_float(b.d);
    const float id = d != 0 ? 1.0f / d : 0.0f;
    for (int j = 0; j < kQK; ++j) b.qs[j] = int8_t(round_clamp(x[j] * id, -127, 127));
    store_block(dst, i, b);
  }
}

}  // namespace frugal::kernels
