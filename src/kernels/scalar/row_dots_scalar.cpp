// Portable fast path: int8 activations and integer block dots in plain C++ (no SIMD).
#include <cstring>
#include <type_traits>

#include "base/fp16.h"
#include "kernels/kernel_table.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/quant_util.h"

namespace frugal::kernels {

namespace {

int dot_i8(const int8_t* a, const int8_t* b, int n) {
  int s = 0;
  for (int i = 0; i < n; ++i) s += int(a[i]) * int(b[i]);
  return s;
}

// A legacy block decoded to codes q (x = dw * (q - zero) + mw).
struct Legacy {
  int8_t q[kQK];
  float dw = 0, mw = 0;
  int zero = 0;
};

void nibbles(const uint8_t* qs, int8_t* q) {
  for (int j = 0; j < 16; ++j) {
    q[j] = int8_t(qs[j] & 0xF);
    q[j + 16] = int8_t(qs[j] >> 4);
  }
}
void high_bits(const uint8_t* qh, int8_t* q) {
  uint32_t h;
  std::memcpy(&h, qh, 4);
  for (int j = 0; j < kQK; ++j) q[j] = int8_t(q[j] | ((h >> j) & 1) << 4);
}

Legacy decode(const BlockQ4_0& b) {
  Legacy r;
  nibbles(b.qs, r.q);
  r.dw = fp16_to_float(b.d), r.zero = 8;
  return r;
}
Legacy decode(const BlockQ4_1& b) {
  Legacy r;
  nibbles(b.qs, r.q);
  r.dw = fp16_to_float(b.d), r.mw = fp16_to_float(b.m);
  return r;
}
Legacy decode(const BlockQ5_0& b) {
  Legacy r;
  nibbles(b.qs, r.q);
  high_bits(b.qh, r.q);
  r.dw = fp16_to_float(b.d), r.zero = 16;
  return r;
}
Legacy decode(const BlockQ5_1& b) {
  Legacy r;
  nibbles(b.qs, r.q);
  high_bits(b.qh, r.q);
  r.dw = fp16_to_float(b.d), r.mw = fp16_to_float(b.m);
  return r;
}
Legacy decode(const BlockIQ4_NL& b) {
  Legacy r;
  nibbles(b.qs, r.q);
  for (auto& q : r.q) q = kIq4Values[q];
  r.dw = fp16_to_float(b.d);
  return r;
}
Legacy decode(const BlockQ8_0& b) {
  Legacy r;
  std::memcpy(r.q, b.qs, kQK);
  r.dw = fp16_to_float(b.d);
  return r;
}

// sum_b dw * (dx * isum - zero * sx) + mw * sx, where sx = dx * sum(qx).
template <typename B>
void dot_legacy(const uint8_t* w, const ActRows& x, int nt, float* out) {
  float acc[kMaxTile] = {};
  for (int64_t b = 0; b < x.cols / kQK; ++b) {
    const Legacy L = decode(load_block<B>(w, b));
    for (int t = 0; t < nt; ++t) {
      const float sx = x.sum32(t)[b];
      const float isum = float(dot_i8(L.q, x.qs(t) + kQK * b, kQK));
      acc[t] += L.dw * (x.d(t)[b] * isum - float(L.zero) * sx) + L.mw * sx;
    }
  }
  for (int t = 0; t < nt; ++t) out[t] = acc[t];
}

// Q4_K / Q5_K: codes q[256] in [0, 32), 8 scales and mins.
template <typename B>
void dot_k_affine(const uint8_t* w, const ActRows& x, int nt, float* out) {
  float acc[kMaxTile] = {};
  for (int64_t b = 0; b < x.cols / kQKK; ++b) {
    const B blk = load_block<B>(w, b);
    uint8_t sc[8], m[8];
    unpack_k4_scales(blk.scales, sc, m);
    int8_t q[kQKK];
    for (int c = 0; c < 4; ++c)
      for (int l = 0; l < 32; ++l) {
        q[64 * c + l] = int8_t(blk.qs[32 * c + l] & 0xF);
        q[64 * c + 32 + l] = int8_t(blk.qs[32 * c + l] >> 4);
        if constexpr (std::is_same_v<B, BlockQ5_K>) {
          const uint8_t h = blk.qh[l];
          q[64 * c + l] = int8_t(q[64 * c + l] | ((h >> (2 * c)) & 1) << 4);
          q[64 * c + 32 + l] = int8_t(q[64 * c + 32 + l] | ((h >> (2 * c + 1)) & 1) << 4);
        }
      }
    const float d = fp16_to_float(blk.d), dmin = fp16_to_float(blk.dmin);
    for (int t = 0; t < nt; ++t) {
      const int8_t* qx = x.qs(t) + kQKK * b;
      const int16_t* bs = x.bsums(t) + 16 * b;
      int isum = 0, msum = 0;
      for (int j = 0; j < 8; ++j) {
        isum += sc[j] * dot_i8(q + 32 * j, qx + 32 * j, 32);
        msum += m[j] * (bs[2 * j] + bs[2 * j + 1]);
      }
      acc[t] += x.d(t)[b] * (d * float(isum) - dmin * float(msum));
    }
  }
  for (int t = 0; t < nt; ++t) out[t] = acc[t];
}

void dot_q6_k(const uint8_t* w, const ActRows& x, int nt, float* out) {
  float acc[kMaxTile] = {};
  for (int64_t b = 0; b < x.cols / kQKK; ++b) {
    const auto blk = load_block<BlockQ6_K>(w, b);
    int8_t q[kQKK];
    for (int h = 0; h < 2; ++h)
      for (int l = 0; l < 32; ++l) {
        const uint8_t lo0 = blk.ql[64 * h + l], lo1 = blk.ql[64 * h + 32 + l], hi = blk.qh[32 * h + l];
        q[128 * h + l] = int8_t((lo0 & 0xF) | (hi & 3) << 4);
        q[128 * h + 32 + l] = int8_t((lo1 & 0xF) | ((hi >> 2) & 3) << 4);
        q[128 * h + 64 + l] = int8_t((lo0 >> 4) | ((hi >> 4) & 3) << 4);
        q[128 * h + 96 + l] = int8_t((lo1 >> 4) | ((hi >> 6) & 3) << 4);
      }
    const float d = fp16_to_float(blk.d);
    for (int t = 0; t < nt; ++t) {
      const int8_t* qx = x.qs(t) + kQKK * b;
      const int16_t* bs = x.bsums(t) + 16 * b;
      int isum = 0;
      for (int j = 0; j < 16; ++j) isum += blk.scales[j] * (dot_i8(q + 16 * j, qx + 16 * j, 16) - 32 * bs[j]);
      acc[t] += x.d(t)[b] * d * float(isum);
    }
  }
  for (int t = 0; t < nt; ++t) out[t] = acc[t];
}

// Q2_K / Q3_K: 16 sub-blocks of 16; the low two code bits per element e of half h, quarter k,
// lane l sit at bits 2k of qs[32h + l].
void low2_codes(const uint8_t* qs, int8_t* q) {
  for (int e = 0; e < kQKK; ++e) q[e] = int8_t((qs[32 * (e / 128) + e % 32] >> (2 * (e % 128 / 32))) & 3);
}

// sum_s d * sc_s * dot(q_s, x_s) - dmin * m_s * bsum_s.
void dot_q2_k(const uint8_t* w, const ActRows& x, int nt, float* out) {
  float acc[kMaxTile] = {};
  for (int64_t b = 0; b < x.cols / kQKK; ++b) {
    const auto blk = load_block<BlockQ2_K>(w, b);
    int8_t q[kQKK];
    low2_codes(blk.qs, q);
    const float d = fp16_to_float(blk.d), dmin = fp16_to_float(blk.dmin);
    for (int t = 0; t < nt; ++t) {
      const int8_t* qx = x.qs(t) + kQKK * b;
      const int16_t* bs = x.bsums(t) + 16 * b;
      int isum = 0, msum = 0;
      for (int j = 0; j < 16; ++j) {
        isum += (blk.scales[j] & 0xF) * dot_i8(q + 16 * j, qx + 16 * j, 16);
        msum += (blk.scales[j] >> 4) * bs[j];
      }
      acc[t] += x.d(t)[b] * (d * float(isum) - dmin * float(msum));
    }
  }
  for (int t = 0; t < nt; ++t) out[t] = acc[t];
}

// sum_s d * sc_s * dot(q_s - 4, x_s), with q_s in [0, 7] (the 4 subtracted through bsum_s).
void dot_q3_k(const uint8_t* w, const ActRows& x, int nt, float* out) {
  float acc[kMaxTile] = {};
  for (int64_t b = 0; b < x.cols / kQKK; ++b) {
    const auto blk = load_block<BlockQ3_K>(w, b);
    int8_t q[kQKK], sc[16];
    low2_codes(blk.qs, q);
    for (int e = 0; e < kQKK; ++e) q[e] = int8_t(q[e] | ((blk.hmask[e % 32] >> (e / 128 * 4 + e % 128 / 32)) & 1) << 2);
    unpack_q3_scales(blk.scales, sc);
    const float d = fp16_to_float(blk.d);
    for (int t = 0; t < nt; ++t) {
      const int8_t* qx = x.qs(t) + kQKK * b;
      const int16_t* bs = x.bsums(t) + 16 * b;
      int isum = 0;
      for (int j = 0; j < 16; ++j) isum += sc[j] * (dot_i8(q + 16 * j, qx + 16 * j, 16) - 4 * bs[j]);
      acc[t] += x.d(t)[b] * d * float(isum);
    }
  }
  for (int t = 0; t < nt; ++t) out[t] = acc[t];
}

// IQ4_XS: sum_j d * (ls_j - 32) * dot(grid values of sub-block j, x_j).
void dot_iq4_xs(const uint8_t* w, const ActRows& x, int nt, float* out) {
  float acc[kMaxTile] = {};
  for (int64_t b = 0; b < x.cols / kQKK; ++b) {
    const auto blk = load_block<BlockIQ4_XS>(w, b);
    int8_t q[kQKK];
    for (int j = 0; j < 8; ++j) {
      nibbles(blk.qs + 16 * j, q + 32 * j);
      for (int e = 0; e < 32; ++e) q[32 * j + e] = kIq4Values[q[32 * j + e]];
    }
    const float d = fp16_to_float(blk.d);
    for (int t = 0; t < nt; ++t) {
      const int8_t* qx = x.qs(t) + kQKK * b;
      int isum = 0;
      for (int j = 0; j < 8; ++j) isum += iq4xs_scale(blk, j) * dot_i8(q + 32 * j, qx + 32 * j, 32);
      acc[t] += x.d(t)[b] * d * float(isum);
    }
  }
  for (int t = 0; t < nt; ++t) out[t] = acc[t];
}

// Float weights: convert 256 values at a time, then f32 dots with every activation row.
template <DequantizeRowFn Convert, int Bytes>
void dot_float(const uint8_t* w, const ActRows& x, int nt, float* out) {
  float acc[kMaxTile] = {};
  float buf[256];
  for (int64_t c0 = 0; c0 < x.cols; c0 += 256) {
    const int n = int(x.cols - c0 < 256 ? x.cols - c0 : 256);
    Convert(w + c0 * Bytes, buf, n);
    for (int t = 0; t < nt; ++t) {
      const float* xf = x.f32(t) + c0;
      float s = 0;
      for (int i = 0; i < n; ++i) s += buf[i] * xf[i];
      acc[t] += s;
    }
  }
  for (int t = 0; t < nt; ++t) out[t] = acc[t];
}

}  // namespace

RowDotFn scalar_row_dot(GgmlType t) {
  switch (t) {
    case GgmlType::F32: return dot_float<dequantize_row_f32, 4>;
    case GgmlType::F16: return dot_float<dequantize_row_f16, 2>;
    case GgmlType::BF16: return dot_float<dequantize_row_bf16, 2>;
    case GgmlType::Q4_0: return dot_legacy<BlockQ4_0>;
    case GgmlType::Q4_1: return dot_legacy<BlockQ4_1>;
    case GgmlType::Q5_0: return dot_legacy<BlockQ5_0>;
    case GgmlType::Q5_1: return dot_legacy<BlockQ5_1>;
    case GgmlType::Q8_0: return dot_legacy<BlockQ8_0>;
    case GgmlType::Q4_K: return dot_k_affine<BlockQ4_K>;
    case GgmlType::Q5_K: return dot_k_affine<BlockQ5_K>;
    case GgmlType::Q6_K: return dot_q6_k;
    case GgmlType::Q2_K: return dot_q2_k;
    case GgmlType::Q3_K: return dot_q3_k;
    case GgmlType::IQ4_NL: return dot_legacy<BlockIQ4_NL>;
    case GgmlType::IQ4_XS: return dot_iq4_xs;
    default: return nullptr;
  }
}

}  // namespace frugal::kernels
