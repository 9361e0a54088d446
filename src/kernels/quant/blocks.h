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

}  // namespace frugal::kernels
