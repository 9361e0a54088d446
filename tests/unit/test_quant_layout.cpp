// Pins the on-disk bit layout of every format: hand-built blocks decode to hand-computed values.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/quant/formats.h"

namespace frugal::kernels {
namespace {

std::vector<float> decode(GgmlType t, const std::vector<uint8_t>& raw, int64_t n) {
  std::vector<float> out(size_t(n), -12345.0f);
  format_of(t).dequantize(raw.data(), out.data(), n);
  // The public entry point must agree with the table.
  WeightMatrix w{t, 1, n, raw.data(), raw.size()};
  std::vector<float> via(static_cast<size_t>(n));
  Kernels::select(Isa::Reference).dequantize_row(w, 0, via.data());
  EXPECT_EQ(out, via);
  return out;
}

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) { std::memcpy(b.data() + at, &v, 2); }

TEST(QuantLayout, F32F16BF16) {
  std::vector<uint8_t> f16(8);
  put16(f16, 0, 0x3C00);  // 1
  put16(f16, 2, 0xC000);  // -2
  put16(f16, 4, 0x7BFF);  // 65504
  put16(f16, 6, 0x0001);  // 2^-24
  EXPECT_EQ(decode(GgmlType::F16, f16, 4), (std::vector<float>{1.0f, -2.0f, 65504.0f, 5.9604644775390625e-8f}));
  std::vector<uint8_t> bf(4);
  put16(bf, 0, 0x3F80);  // 1
  put16(bf, 2, 0xC040);  // -3
  EXPECT_EQ(decode(GgmlType::BF16, bf, 2), (std::vector<float>{1.0f, -3.0f}));
  const float v[2] = {1.5f, -0.25f};
  std::vector<uint8_t> f32(8);
  std::memcpy(f32.data(), v, 8);
  EXPECT_EQ(decode(GgmlType::F32, f32, 2), (std::vector<float>{1.5f, -0.25f}));
}

TEST(QuantLayout, Q4_0LowNibblesFirst) {
  std::vector<uint8_t> b(18);
  put16(b, 0, 0x3800);  // d = 0.5
  for (int j = 0; j < 16; ++j) b[2 + j] = uint8_t(j | (15 - j) << 4);
  const auto x = decode(GgmlType::Q4_0, b, 32);
  EXPECT_EQ(x[0], -4.0f);   // 0.5 * (0 - 8)
  EXPECT_EQ(x[15], 3.5f);   // 0.5 * (15 - 8)
  EXPECT_EQ(x[16], 3.5f);   // high nibble of byte 0 = 15
  EXPECT_EQ(x[31], -4.0f);  // high nibble of byte 15 = 0
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(x[j], 0.5f * float(j - 8));
    EXPECT_EQ(x[j + 16], 0.5f * float(7 - j));
  }
}

TEST(QuantLayout, Q4_1) {
  std::vector<uint8_t> b(20);
  put16(b, 0, 0x3400);  // d = 0.25
  put16(b, 2, 0xBC00);  // m = -1
  for (int j = 0; j < 16; ++j) b[4 + j] = uint8_t(j | 3 << 4);
  const auto x = decode(GgmlType::Q4_1, b, 32);
  EXPECT_EQ(x[0], -1.0f);
  EXPECT_EQ(x[15], 2.75f);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(x[j], 0.25f * float(j) - 1.0f);
    EXPECT_EQ(x[j + 16], -0.25f);
  }
}

TEST(QuantLayout, Q5_0HighBitsLittleEndian) {
  std::vector<uint8_t> b(22);
  put16(b, 0, 0x3C00);  // d = 1
  b[2] = 0x01;          // qh bit 0  -> element 0
  b[4] = 0x02;          // qh bit 17 -> element 17
  b[5] = 0x80;          // qh bit 31 -> element 31
  for (int j = 0; j < 16; ++j) b[6 + j] = uint8_t(j | j << 4);
  const auto x = decode(GgmlType::Q5_0, b, 32);
  EXPECT_EQ(x[0], 0.0f);     // (0 | 16) - 16
  EXPECT_EQ(x[1], -15.0f);   // 1 - 16
  EXPECT_EQ(x[16], -16.0f);  // 0 - 16
  EXPECT_EQ(x[17], 1.0f);    // (1 | 16) - 16
  EXPECT_EQ(x[31], 15.0f);   // (15 | 16) - 16
  EXPECT_EQ(x[30], -2.0f);   // 14 - 16
}

TEST(QuantLayout, Q5_1) {
  std::vector<uint8_t> b(24);
  put16(b, 0, 0x4000);  // d = 2
  put16(b, 2, 0x3C00);  // m = 1
  b[4] = 0x00;
  b[5] = 0x00;
  b[6] = 0x01;  // bit 16 -> element 16
  b[7] = 0x40;  // bit 30 -> element 30
  for (int j = 0; j < 16; ++j) b[8 + j] = uint8_t(5 | 9 << 4);
  const auto x = decode(GgmlType::Q5_1, b, 32);
  EXPECT_EQ(x[0], 11.0f);   // 2 * 5 + 1
  EXPECT_EQ(x[16], 51.0f);  // 2 * (9 + 16) + 1
  EXPECT_EQ(x[17], 19.0f);  // 2 * 9 + 1
  EXPECT_EQ(x[30], 51.0f);
  EXPECT_EQ(x[31], 19.0f);
}

TEST(QuantLayout, Q8_0) {
  std::vector<uint8_t> b(34);
  put16(b, 0, 0xC000);  // d = -2
  for (int j = 0; j < 32; ++j) b[2 + j] = uint8_t(int8_t(j * 8 - 128));
  const auto x = decode(GgmlType::Q8_0, b, 32);
  EXPECT_EQ(x[0], 256.0f);
  EXPECT_EQ(x[31], -240.0f);  // -2 * 120
  for (int j = 0; j < 32; ++j) EXPECT_EQ(x[j], -2.0f * float(j * 8 - 128));
}

// Scale bytes shared by the Q4_K and Q5_K tests, decoded by hand:
const uint8_t kScales[12] = {0x41, 0x02, 0x83, 0xC4, 0x05, 0x46, 0x07, 0xC8, 0x21, 0x43, 0x65, 0x87};
const int kSc[8] = {1, 2, 3, 4, 17, 3, 37, 55};
const int kMin[8] = {5, 6, 7, 8, 2, 20, 6, 56};

TEST(QuantLayout, Q4_K) {
  std::vector<uint8_t> b(144);
  put16(b, 0, 0x3C00);  // d = 1
  put16(b, 2, 0x3800);  // dmin = 0.5
  std::memcpy(b.data() + 4, kScales, 12);
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l) b[16 + 32 * c + l] = uint8_t((4 * c + l % 4) | (15 - c) << 4);
  const auto x = decode(GgmlType::Q4_K, b, 256);
  EXPECT_EQ(x[0], -2.5f);     // 1 * 1 * 0 - 0.5 * 5
  EXPECT_EQ(x[33], 27.0f);    // 1 * 2 * 15 - 0.5 * 6
  EXPECT_EQ(x[130], 169.0f);  // 17 * 10 - 0.5 * 2
  EXPECT_EQ(x[255], 632.0f);  // 55 * 12 - 0.5 * 56
  for (int e = 0; e < 256; ++e) {
    const int c = e / 64, l = e % 64, j = e / 32;
    const int q = l < 32 ? 4 * c + l % 4 : 15 - c;
    EXPECT_EQ(x[e], float(kSc[j] * q) - 0.5f * float(kMin[j])) << e;
  }
}

TEST(QuantLayout, Q5_K) {
  std::vector<uint8_t> b(176);
  put16(b, 0, 0x3800);  // d = 0.5
  put16(b, 2, 0x3C00);  // dmin = 1
  std::memcpy(b.data() + 4, kScales, 12);
  for (int l = 0; l < 32; ++l) b[16 + l] = uint8_t(l * 8 + 1);  // qh
  for (int i = 0; i < 128; ++i) b[48 + i] = uint8_t((i % 16) | (i / 16) << 4);
  const auto x = decode(GgmlType::Q5_K, b, 256);
  EXPECT_EQ(x[0], 0.5f * 16 - 5);               // qh[0] bit 0 set: q = 0 | 16
  EXPECT_EQ(x[32], 0.5f * 2 * 0 - 6);           // high nibble of qs[0] = 0, qh[0] bit 1 clear
  EXPECT_EQ(x[65], 0.5f * 3 * 1 - 7);           // qs[33] low nibble 1; qh[1] = 9 has bit 2 clear
  EXPECT_EQ(x[99], 0.5f * 4 * 18 - 8);          // qs[35] high nibble 2; qh[3] = 25 has bit 3 set
  for (int e = 0; e < 256; ++e) {
    const int c = e / 64, l = e % 64, j = e / 32;
    const int byte = 32 * c + l % 32;
    const int lo = l < 32 ? byte % 16 : byte / 16;
    const int bit = l < 32 ? 2 * c : 2 * c + 1;
    const int hi = ((l % 32) * 8 + 1) >> bit & 1;
    EXPECT_EQ(x[e], 0.5f * float(kSc[j]) * float(lo | hi << 4) - float(kMin[j])) << e;
  }
}

TEST(QuantLayout, Q6_K) {
  std::vector<uint8_t> b(210);
  for (int i = 0; i < 128; ++i) b[i] = uint8_t(i);        // ql
  for (int i = 0; i < 64; ++i) b[128 + i] = 0xE4;         // qh: bit pairs 0, 1, 2, 3
  for (int i = 0; i < 16; ++i) b[192 + i] = uint8_t(int8_t(i - 8));  // scales
  put16(b, 208, 0x3800);                                  // d = 0.5
  const auto x = decode(GgmlType::Q6_K, b, 256);
  EXPECT_EQ(x[0], 128.0f);  // 0.5 * -8 * (0 - 32)
  EXPECT_EQ(x[200], 8.0f);  // q = (ql[72] >> 4) | 2 << 4 = 36; 0.5 * 4 * 4
  for (int e = 0; e < 256; ++e) {
    const int h = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
    const int byte = 64 * h + l + 32 * (quarter & 1);
    const int q = (quarter < 2 ? byte & 0xF : byte >> 4) | quarter << 4;
    EXPECT_EQ(x[e], 0.5f * float(e / 16 - 8) * float(q - 32)) << e;
  }
}

// Q2_K: scales byte i = (scale i % 16, min i / 2); qs byte 32h + l holds code (l + k) % 4 at bits 2k.
TEST(QuantLayout, Q2_K) {
  std::vector<uint8_t> b(84);
  for (int i = 0; i < 16; ++i) b[size_t(i)] = uint8_t(i % 16 | (i / 2) << 4);
  for (int h = 0; h < 2; ++h)
    for (int l = 0; l < 32; ++l)
      for (int k = 0; k < 4; ++k) b[size_t(16 + 32 * h + l)] |= uint8_t(((l + k) % 4) << (2 * k));
  put16(b, 80, 0x3800);  // d = 0.5
  put16(b, 82, 0x3400);  // dmin = 0.25
  const auto x = decode(GgmlType::Q2_K, b, 256);
  EXPECT_EQ(x[37], 0.5f * 2 * 2 - 0.25f);  // sub-block 2, quarter 1, lane 5: code 2
  for (int e = 0; e < 256; ++e) {
    const int i = e / 16, k = e % 128 / 32, l = e % 32;
    EXPECT_EQ(x[e], 0.5f * float(i % 16) * float((l + k) % 4) - 0.25f * float(i / 2)) << e;
  }
}

// Q3_K: scales i - 8 (i < 16) packed as 6-bit values + 32; codes with low bits k and bit 2 from
// hmask[l] bit 4h + k, set for odd l.
TEST(QuantLayout, Q3_K) {
  std::vector<uint8_t> b(110);
  for (int l = 0; l < 32; ++l) b[size_t(l)] = l % 2 ? 0xFF : 0x00;
  for (int i = 0; i < 64; ++i) b[size_t(32 + i)] = 0xE4;  // low bits of quarter k = k
  for (int i = 0; i < 16; ++i) {
    const int u = i - 8 + 32 + (i == 5 ? 20 : 0);  // scale 5 = 17: top bits 0b11
    b[size_t(96 + i % 8)] |= uint8_t((u & 0xF) << (i < 8 ? 0 : 4));
    b[size_t(104 + i % 4)] |= uint8_t((u >> 4) << (2 * (i / 4)));
  }
  put16(b, 108, 0x3800);  // d = 0.5
  const auto x = decode(GgmlType::Q3_K, b, 256);
  EXPECT_EQ(x[81], 0.5f * 17 * 2);  // sub-block 5, quarter 2, odd lane: code 2 + 4 - 4
  for (int e = 0; e < 256; ++e) {
    const int i = e / 16, k = e % 128 / 32, l = e % 32;
    const int sc = i - 8 + (i == 5 ? 20 : 0);
    EXPECT_EQ(x[e], 0.5f * float(sc) * float(k + (l % 2 ? 4 : 0) - 4)) << e;
  }
}

// IQ4_NL: nibble j (low: element j, high: element j + 16) indexes the grid.
TEST(QuantLayout, IQ4_NL) {
  std::vector<uint8_t> b(18);
  put16(b, 0, 0xB800);  // d = -0.5
  for (int j = 0; j < 16; ++j) b[size_t(2 + j)] = uint8_t(j | (15 - j) << 4);
  const auto x = decode(GgmlType::IQ4_NL, b, 32);
  const int grid[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
  EXPECT_EQ(x[0], 63.5f);
  EXPECT_EQ(x[16], -56.5f);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(x[j], -0.5f * float(grid[j])) << j;
    EXPECT_EQ(x[j + 16], -0.5f * float(grid[15 - j])) << j;
  }
}

// IQ4_XS: sub-block j's scale ls = low nibble of scales_l[j / 2] (high nibble for odd j) | bits 2j
// of scales_h << 4, minus 32.
TEST(QuantLayout, IQ4_XS) {
  std::vector<uint8_t> b(136);
  put16(b, 0, 0x3800);  // d = 0.5
  const int ls[8] = {0, 63, 32, 33, 17, 48, 31, 40};
  uint16_t high = 0;
  for (int j = 0; j < 8; ++j) {
    b[size_t(4 + j / 2)] |= uint8_t((ls[j] & 15) << (4 * (j % 2)));
    high = uint16_t(high | (ls[j] >> 4) << (2 * j));
  }
  put16(b, 2, high);
  for (int i = 0; i < 128; ++i) b[size_t(8 + i)] = uint8_t((i % 16) | ((i + 3) % 16) << 4);
  const auto x = decode(GgmlType::IQ4_XS, b, 256);
  const int grid[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
  EXPECT_EQ(x[49], 0.5f * 31 * -49);  // sub-block 1 (ls 63), its element 17: high nibble of qs[17] = 4
  for (int e = 0; e < 256; ++e) {
    const int j = e / 32, l = e % 32, byte = 16 * j + l % 16;
    const int q = l < 16 ? byte % 16 : (byte + 3) % 16;
    EXPECT_EQ(x[e], 0.5f * float(ls[j] - 32) * float(grid[q])) << e;
  }
}

}  // namespace
}  // namespace frugal::kernels
