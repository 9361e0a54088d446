// Reference dequantizers and quantizers for the 256-value K formats Q4_K, Q5_K and Q6_K.
#include <algorithm>
#include <cmath>

#include "kernels/quant/blocks.h"
#include "kernels/quant/formats.h"
#include "kernels/quant/quant_util.h"

namespace frugal::kernels {

namespace {

// Quantizes 256 values as 8 sub-blocks of 32: x ~= d * sc[j] * q - dmin * m[j],
// q in [0, levels). The offsets round up and the scales round up, so no value clamps.
void quantize_k_affine(const float* x, int levels, uint16_t* d_out, uint16_t* dmin_out, uint8_t* sc, uint8_t* m,
                       uint8_t* q) {
  float need_off[8], top[8], max_off = 0;
  for (int j = 0; j < 8; ++j) {
    const float* s = x + 32 * j;
    need_off[j] = std::max(0.0f, -*std::min_element(s, s + 32));
    top[j] = *std::max_element(s, s + 32);
    max_off = std::max(max_off, need_off[j]);
  }
  *dmin_out = fp16_round_up(max_off / 63.0f);
  const float dmin = fp16_to_float(*dmin_out);
  float need_scale[8], max_scale = 0;
  for (int j = 0; j < 8; ++j) {
    m[j] = dmin > 0 ? uint8_t(std::min(63.0f, std::ceil(need_off[j] / dmin))) : 0;
    need_scale[j] = std::max(0.0f, (top[j] + dmin * float(m[j])) / float(levels - 1));
    max_scale = std::max(max_scale, need_scale[j]);
  }
  *d_out = fp16_round_up(max_scale / 63.0f);
  const float d = fp16_to_float(*d_out);
  for (int j = 0; j < 8; ++j) {
    sc[j] = d > 0 ? uint8_t(std::min(63.0f, std::ceil(need_scale[j] / d))) : 0;
    const float step = d * float(sc[j]), off = dmin * float(m[j]);
    const float inv = step > 0 ? 1.0f / step : 0.0f;
    for (int l = 0; l < 32; ++l) q[32 * j + l] = uint8_t(round_clamp((x[32 * j + l] + off) * inv, 0, levels - 1));
  }
}

// Low nibbles of element e of a Q4_K/Q5_K block from qs.
int k4_low(const uint8_t* qs, int e) {
  const int c = e / 64, l = e % 64;
  return l < 32 ? qs[32 * c + l] & 0xF : qs[32 * c + l - 32] >> 4;
}
int k5_high(const uint8_t* qh, int e) {
  const int c = e / 64, l = e % 64;
  return l < 32 ? (qh[l] >> (2 * c)) & 1 : (qh[l - 32] >> (2 * c + 1)) & 1;
}
void pack_k4_nibbles(const uint8_t* q, uint8_t* qs) {
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l) qs[32 * c + l] = uint8_t((q[64 * c + l] & 0xF) | (q[64 * c + 32 + l] & 0xF) << 4);
}
// 6-bit code of element e of a Q6_K block.
int q6_code(const BlockQ6_K& b, int e) {
  const int h = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
  const uint8_t lo = b.ql[64 * h + l + (quarter & 1) * 32];
  const int low = quarter < 2 ? lo & 0xF : lo >> 4;
  const int high = (b.qh[32 * h + l] >> (2 * quarter)) & 3;
  return low | high << 4;
}

}  // namespace

void dequantize_row_q4_k(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const auto b = load_block<BlockQ4_K>(src, i);
    const float d = fp16_to_float(b.d), dmin = fp16_to_float(b.dmin);
    uint8_t sc[8], m[8];
    unpack_k4_scales(b.scales, sc, m);
    for (int e = 0; e < kQKK; ++e)
      dst[i * kQKK + e] = d * float(sc[e / 32]) * float(k4_low(b.qs, e)) - dmin * float(m[e / 32]);
  }
}

void dequantize_row_q5_k(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const auto b = load_block<BlockQ5_K>(src, i);
    const float d = fp16_to_float(b.d), dmin = fp16_to_float(b.dmin);
    uint8_t sc[8], m[8];
    unpack_k4_scales(b.scales, sc, m);
    for (int e = 0; e < kQKK; ++e) {
      const int q = k4_low(b.qs, e) | k5_high(b.qh, e) << 4;
      dst[i * kQKK + e] = d * float(sc[e / 32]) * float(q) - dmin * float(m[e / 32]);
    }
  }
}

void dequantize_row_q6_k(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const auto b = load_block<BlockQ6_K>(src, i);
    const float d = fp16_to_float(b.d);
    for (int e = 0; e < kQKK; ++e) dst[i * kQKK + e] = d * float(b.scales[e / 16]) * float(q6_code(b, e) - 32);
  }
}

// Q4_K and Q5_K, per 32-value sub-block j: scale d * sc[j], bias -(dmin * m[j]); code(b, e)
// reads value e's code from block b.
template <class Block, class Code>
void affine_row_k4_scales(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n, Code code) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const auto b = load_block<Block>(src, i);
    const float d = fp16_to_float(b.d), dmin = fp16_to_float(b.dmin);
    uint8_t sc[8], m[8];
    unpack_k4_scales(b.scales, sc, m);
    for (int j = 0; j < 8; ++j) scale[i * 8 + j] = d * float(sc[j]), bias[i * 8 + j] = -(dmin * float(m[j]));
    for (int e = 0; e < kQKK; ++e) codes[i * kQKK + e] = int8_t(code(b, e));
  }
}

void affine_row_q4_k(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  affine_row_k4_scales<BlockQ4_K>(src, codes, scale, bias, n,
                                  [](const BlockQ4_K& b, int e) { return k4_low(b.qs, e); });
}

void affine_row_q5_k(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  affine_row_k4_scales<BlockQ5_K>(src, codes, scale, bias, n,
                                  [](const BlockQ5_K& b, int e) { return k4_low(b.qs, e) | k5_high(b.qh, e) << 4; });
}

// Per 16-value sub-block: scale d * scales[i], bias 0.
void affine_row_q6_k(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const auto b = load_block<BlockQ6_K>(src, i);
    const float d = fp16_to_float(b.d);
    for (int j = 0; j < 16; ++j) scale[i * 16 + j] = d * float(b.scales[j]), bias[i * 16 + j] = 0;
    for (int e = 0; e < kQKK; ++e) codes[i * kQKK + e] = int8_t(q6_code(b, e) - 32);
  }
}

void quantize_row_q4_k(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    BlockQ4_K b;
    uint8_t sc[8], m[8], q[kQKK];
    quantize_k_affine(src + i * kQKK, 16, &b.d, &b.dmin, sc, m, q);
    pack_k4_scales(sc, m, b.scales);
    pack_k4_nibbles(q, b.qs);
    store_block(dst, i, b);
  }
}

void quantize_row_q5_k(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    BlockQ5_K b;
    uint8_t sc[8], m[8], q[kQKK];
    quantize_k_affine(src + i * kQKK, 32, &b.d, &b.dmin, sc, m, q);
    pack_k4_scales(sc, m, b.scales);
    pack_k4_nibbles(q, b.qs);
    std::fill(b.qh, b.qh + 32, uint8_t(0));
    for (int e = 0; e < kQKK; ++e) {
      const int c = e / 64, l = e % 64;
      const int bit = l < 32 ? 2 * c : 2 * c + 1;
      b.qh[l % 32] = uint8_t(b.qh[l % 32] | ((q[e] >> 4) & 1) << bit);
    }
    store_block(dst, i, b);
  }
}

void quantize_row_q6_k(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const float* x = src + i * kQKK;
    BlockQ6_K b{};
    int sc[16];
    b.d = signed_sub_scales(x, 32.0f, 127.0f, sc);
    const float d = fp16_to_float(b.d);
    for (int j = 0; j < 16; ++j) {
      b.scales[j] = int8_t(sc[j]);
      const float step = d * float(sc[j]);
      const float inv = step != 0 ? 1.0f / step : 0.0f;
      for (int l = 0; l < 16; ++l) {
        const int e = 16 * j + l, q = round_clamp(x[e] * inv + 32.0f, 0, 63);
        const int h = e / 128, r = e % 128, quarter = r / 32, ll = r % 32;
        uint8_t& lo = b.ql[64 * h + ll + (quarter & 1) * 32];
        lo = uint8_t(lo | (quarter < 2 ? q & 0xF : (q & 0xF) << 4));
        b.qh[32 * h + ll] = uint8_t(b.qh[32 * h + ll] | (q >> 4) << (2 * quarter));
      }
    }
    store_block(dst, i, b);
  }
}

}  // namespace frugal::kernels
