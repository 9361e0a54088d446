// The Rows16 weight layouts: 16 rows interleaved so that one 64-byte vector holds 4 bytes
// of each row (one int32 lane per row), with the rows' scales side by side. Same size as
// the plain GGUF blocks; portable conversions both ways.
#pragma once

#include <cstdint>

#include "io/tensor_types.h"
#include "tensor/matrix.h"

namespace frugal::kernels {

// Whether type t has the Rows16 layouts (Rows16 and Rows16Avx2: the same formats).
bool has_rows16_layout(GgmlType t);

// Packs 16 plain rows (row r at src + r * row_bytes, `cols` values each, row_bytes exactly
// the row's blocks) into one group of 16 * row_bytes bytes at dst, in `layout` (a Rows16 one).
void pack_rows16(GgmlType t, WeightLayout layout, const uint8_t* src, uint64_t row_bytes, int64_t cols, uint8_t* dst);

// Writes row r (0 <= r < 16) of the group at `group` (in `layout`) as plain blocks (row_bytes
// bytes) to dst.
void unpack_row16(GgmlType t, WeightLayout layout, const uint8_t* group, int64_t cols, int r, uint8_t* dst);

// Group layouts, per block column b (one super-block of 256 or one block of 32 values, the
// group's bytes for it at group + b * 16 * block_bytes); "lane r" = 4 bytes at 4r of a 64-byte
// vector:
//  Q8_0 (544 B):  d[16] fp16 | 8 vectors k: lane r = row r's qs[4k..4k+3] xor 0x80 (u8 = q + 128)
//  Q4_K (2304 B): d[16] | dmin[16] | 192 B scales | 32 vectors (c, k) (index 8c + k): lane r =
//                 row r's qs[32c + 4k .. +3] (low nibbles: sub-block 2c, high: 2c + 1)
//      scales, byte 16q + r (q < 4) of: L = sc[r][q] & 15 | (sc[r][q+4] & 15) << 4,
//      M = the same for the mins, H = sc[r][q] >> 4 | sc[r][q+4] >> 4 << 2 | m[r][q] >> 4 << 4
//      | m[r][q+4] >> 4 << 6, stored L | M | H (64 bytes each).
//  Q6_K (3360 B): d[16] | scales: 8 x 32 B, byte 2r + i of pair p = scale[r][2p + i] |
//                 16 sub-blocks j of 192 B (q6_rows16_ql / q6_rows16_qh), each two ql vectors
//                 s = 0, 1, lane r byte i: low nibble = code of element 16j + 8s + i, high
//                 nibble = 16j + 8s + 4 + i, then one qh vector, lane r byte i: bits 2u..2u+1 =
//                 top 2 bits of element 16j + 4u + i. A sub-block's bytes are contiguous, so
//                 decoding reads each block front to back (Zen 4 streams it at about twice the
//                 rate of ql and qh as two separate runs, which its prefetchers follow badly).
//  Q6_K in Rows16Avx2 (3360 B): d and scales as above | 16 sub-blocks j of 192 B
//                 (q6_packed_codes_at), each three vectors v: lane r byte i = the code of element
//                 16j + 4v + i in bits 0..5 and bits 2v..2v+1 of the code of element 16j + 12 + i
//                 in bits 6..7: three codes by one mask, the fourth by three masks, shifts and
//                 two ors (against 17 operations for four codes from ql/qh).
//  Q5_K in Rows16Avx2 (2816 B): Q4_K's 256 header bytes | 8 sub-blocks j of 320 B
//                 (q5_packed_codes_at), each five vectors u: lane r byte i = the code of element
//                 4u + i of sub-block j in bits 0..4; bits 5..7 carry three more codes, those of
//                 elements 20 + i (bits 0..2 in u = 0, bits 3..4 in bits 5..6 of u = 1), 24 + i
//                 (likewise in u = 2, 3) and 28 + i (bits 0..2 in u = 4, bit 3 in bit 7 of u = 1,
//                 bit 4 in bit 7 of u = 3): eight code vectors in 23 operations (against 40 from
//                 nibbles and fifth bits).
//                 Every other format is the same in both layouts.
//  Q4_0 / Q4_1 / Q5_0 / Q5_1: d[16] | m[16] (Q4_1, Q5_1) | qh vector (Q5_0, Q5_1): lane r
//                 byte i bit u = fifth bit of element 4u + i | 4 vectors k: lane r = row r's
//                 qs[4k .. 4k + 3] (low nibbles: elements 4k + i, high: 16 + 4k + i).
//  Q5_K (2816 B): Q4_K's 256 header bytes | 8 qh vectors k: lane r = row r's qh[4k .. 4k + 3]
//                 | Q4_K's 32 qs vectors.
//  Q2_K (1344 B): d[16] | dmin[16] | scales: byte 16j + r = row r's scales[j] (scale | min << 4 of
//                 sub-block j) | 16 qs vectors i: lane r = row r's qs[4i .. 4i + 3], whose bits
//                 2k..2k+1 are the codes of elements 128 (i / 8) + 32k + 4 (i % 8) + 0..3.
//  Q3_K (1760 B): d[16] | scales: byte 16m + r = row r's packed scale byte m (m < 12) | 8 hmask
//                 vectors i: lane r = row r's hmask[4i .. 4i + 3] | 16 qs vectors as Q2_K's.
//                 The same in Rows16Avx2; NEON has no kernels for these two (keeps them Plain).
//  IQ4_XS (2176 B): d[16] | scales: byte 16m + r = row r's byte m of scales_h (m < 2) and
//                 scales_l (2 <= m < 6) | 32 qs vectors v: lane r = row r's qs[4v .. 4v + 3] (low
//                 nibbles: elements 32 (v / 4) + 4 (v % 4) + 0..3 of sub-block v / 4, high: + 16).
//                 Only AVX-512 has kernels for it (AVX2 and NEON keep it Plain).

// A legacy format's group block column (Q4_0, Q4_1, Q5_0, Q5_1 above) for the kernels: values
// x = d * (q - kZero) (kMin = false) or d * q + m (kMin = true); kHigh: 5-bit codes.
template <bool kMin_, bool kHigh_, int kZero_>
struct LegacyRows16Layout {
  static constexpr bool kMin = kMin_, kHigh = kHigh_;
  static constexpr int kZero = kZero_;
  static constexpr int kGroup = 16 * (2 + (kMin ? 2 : 0) + (kHigh ? 4 : 0) + 16);  // bytes per group block
  static constexpr int kQh = kMin ? 64 : 32, kQs = kQh + (kHigh ? 64 : 0);        // qh vector, 4 qs vectors
};
using Q4_0Rows16Layout = LegacyRows16Layout<false, false, 8>;
using Q4_1Rows16Layout = LegacyRows16Layout<true, false, 0>;
using Q5_0Rows16Layout = LegacyRows16Layout<false, true, 16>;
using Q5_1Rows16Layout = LegacyRows16Layout<true, true, 0>;

// Byte offsets in a Q2_K / Q3_K group's block column, and the conversions of one row's block.
constexpr int kQ2Rows16D = 0, kQ2Rows16Dmin = 32, kQ2Rows16Scales = 64, kQ2Rows16Qs = 320;
constexpr int kQ3Rows16D = 0, kQ3Rows16Scales = 32, kQ3Rows16Hmask = 224, kQ3Rows16Qs = 736;
void q2_k_rows16_block(uint8_t* blk, uint8_t* g, int r, bool to_group);
void q3_k_rows16_block(uint8_t* blk, uint8_t* g, int r, bool to_group);
constexpr int kIq4XsRows16D = 0, kIq4XsRows16Scales = 32, kIq4XsRows16Qs = 128;
void iq4_xs_rows16_block(uint8_t* blk, uint8_t* g, int r, bool to_group);

// Byte offsets in a Q6_K group's block column: ql vector s (0, 1) and the qh vector of sub-block j.
constexpr int q6_rows16_ql(int j, int s) { return 288 + 192 * j + 64 * s; }
constexpr int q6_rows16_qh(int j) { return 288 + 192 * j + 128; }
// Byte offset of vector v (0..2) of sub-block j in a Rows16Avx2 Q6_K group's block column.
constexpr int q6_packed_codes_at(int j, int v) { return 288 + 192 * j + 64 * v; }
// Byte offset of vector u (0..4) of sub-block j in a Rows16Avx2 Q5_K group's block column.
constexpr int q5_packed_codes_at(int j, int u) { return 256 + 320 * j + 64 * u; }

}  // namespace frugal::kernels
