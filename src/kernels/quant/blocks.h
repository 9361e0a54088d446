// On-disk block layouts of the ggml quantized formats (byte-exact with GGUF files).
#pragma once

#include <cstdint>

namespace frugal::kernels {

constexpr int kQK = 32;    // values per legacy block (Q4_0 .. Q8_0)
constexpr int kQKK = 256;  // values per K-quant super-block

// Q4_0: x = d * (q - 8). qs[j] low nibble = element j, high nibble = element j + 16.
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kQK / 2];
};
// Q4_1: x = d * q + m, nibble order as Q4_0.
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[kQK / 2];
};
// Q5_0: x = d * (q - 16); bit j of little-endian u32 qh is bit 4 of element j.
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
// Q5_1: x = d * q + m, bits as Q5_0.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
// Q8_0: x = d * q.
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQK];
};

// Q4_K: 8 sub-blocks of 32; x = d * sc[j] * q - dmin * m[j]. The 6-bit sc/m are packed in
// 12 bytes (see unpack_k4_scales). qs[32c + l] low nibble = element 64c + l, high = 64c + 32 + l.
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[kQKK / 2];
};
// Q5_K: as Q4_K plus a fifth bit: bit 2c of qh[l] -> element 64c + l, bit 2c+1 -> 64c + 32 + l.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[kQKK / 8];
  uint8_t qs[kQKK / 2];
};
// Q6_K: 16 sub-blocks of 16, x = d * scales[i] * (q - 32). Per half h (128 values):
// ql[64h + l] low/high nibble = elements 128h + l / 128h + 64 + l (l < 64); qh[32h + l] bit
// pairs 0-1, 2-3, 4-5, 6-7 are the top bits of elements 128h + l, +32, +64, +96 (l < 32).
struct BlockQ6_K {
  uint8_t ql[kQKK / 2];
  uint8_t qh[kQKK / 4];
  int8_t scales[kQKK / 16];
  uint16_t d;
};

// Q2_K: 16 sub-blocks of 16; x = d * (scales[s] & 15) * q - dmin * (scales[s] >> 4), q in [0, 3].
// Per half h (128 values): bits 2k..2k+1 of qs[32h + l] are the code of element 128h + 32k + l
// (l < 32; sub-block 8h + 2k for l < 16, 8h + 2k + 1 above).
struct BlockQ2_K {
  uint8_t scales[kQKK / 16];
  uint8_t qs[kQKK / 4];
  uint16_t d;
  uint16_t dmin;
};
// Q3_K: 16 sub-blocks of 16; x = d * (sc[s] - 32) * (q - 4), q in [0, 7]. The low two bits of q
// are laid out as Q2_K's qs; bit 4h + k of hmask[l] is bit 2 of element 128h + 32k + l. The
// 6-bit sc are packed in 12 bytes (see unpack_q3_scales).
struct BlockQ3_K {
  uint8_t hmask[kQKK / 8];
  uint8_t qs[kQKK / 4];
  uint8_t scales[12];
  uint16_t d;
};

static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110);

// The non-linear 4-bit grid of IQ4_NL and IQ4_XS: code q stands for kIq4Values[q].
constexpr int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
// IQ4_NL: x = d * kIq4Values[q]; nibbles as Q4_0 (qs[j] low = element j, high = element j + 16).
struct BlockIQ4_NL {
  uint16_t d;
  uint8_t qs[kQK / 2];
};
// IQ4_XS: 8 sub-blocks of 32, x = d * (ls[j] - 32) * kIq4Values[q]; ls[j] (6 bits) = nibble j % 2
// of scales_l[j / 2] | bits 2j..2j+1 of scales_h << 4; sub-block j's nibbles at qs[16j], as IQ4_NL.
struct BlockIQ4_XS {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[kQKK / 64];
  uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockIQ4_NL) == 18 && sizeof(BlockIQ4_XS) == 136);

// Sub-block j's scale of the IQ4_XS block whose bytes start at p, ls - 32 in [-32, 31].
inline int iq4xs_scale_at(const uint8_t* p, int j) {
  const int high = ((p[2] | p[3] << 8) >> (2 * j)) & 3;
  return (((p[4 + j / 2] >> (4 * (j % 2))) & 0xF) | high << 4) - 32;
}
inline int iq4xs_scale(const BlockIQ4_XS& b, int j) { return iq4xs_scale_at(reinterpret_cast<const uint8_t*>(&b), j); }
static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24 && sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ4_K) == 144 && sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210);
static_assert(alignof(BlockQ6_K) == 2);

// Unpacks the 12-byte Q4_K/Q5_K scale field into sc[8] and m[8] (6 bits each).
inline void unpack_k4_scales(const uint8_t* s, uint8_t* sc, uint8_t* m) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = s[j] & 63;
    m[j] = s[j + 4] & 63;
    sc[j + 4] = uint8_t((s[j + 8] & 0xF) | ((s[j] >> 6) << 4));
    m[j + 4] = uint8_t((s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4));
  }
}

// Inverse of unpack_k4_scales (sc, m < 64).
inline void pack_k4_scales(const uint8_t* sc, const uint8_t* m, uint8_t* s) {
  for (int j = 0; j < 4; ++j) {
    s[j] = uint8_t((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    s[j + 4] = uint8_t((m[j] & 63) | ((m[j + 4] >> 4) << 6));
    s[j + 8] = uint8_t((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
  }
}

// Unpacks the 12-byte Q3_K scale field into 16 signed scales (sc - 32, in [-32, 31]): the low
// nibbles of bytes 0..7 are scales 0..7, their high nibbles scales 8..15; bits 2i..2i+1 of byte
// 8 + k are the top bits of scale 4i + k.
inline void unpack_q3_scales(const uint8_t* s, int8_t* out) {
  for (int i = 0; i < 16; ++i) {
    const int low = i < 8 ? s[i] & 0xF : s[i - 8] >> 4;
    const int high = (s[8 + i % 4] >> (2 * (i / 4))) & 3;
    out[i] = int8_t((low | high << 4) - 32);
  }
}

// Inverse of unpack_q3_scales (sc in [-32, 31]).
inline void pack_q3_scales(const int8_t* sc, uint8_t* s) {
  for (int i = 0; i < 12; ++i) s[i] = 0;
  for (int i = 0; i < 16; ++i) {
    const int u = sc[i] + 32;
    s[i % 8] = uint8_t(s[i % 8] | (u & 0xF) << (i < 8 ? 0 : 4));
    s[8 + i % 4] = uint8_t(s[8 + i % 4] | (u >> 4) << (2 * (i / 4)));
  }
}

}  // namespace frugal::kernels
