// Portable conversions between plain Q2_K / Q3_K / IQ4_XS blocks and their Rows16 group block
// columns (layouts in rows16.h): the scales transposed byte by byte, the code bytes (and Q3_K's
// hmask) as vectors whose lane r holds 4 bytes of row r.
#include <cstring>

#include "kernels/quant/blocks.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

namespace {

constexpr int kR = 16;

// Plain bytes [src, src + 4 n) of row r <-> n vectors at g (lane r of vector v = bytes 4v..4v+3).
void lanes(uint8_t* plain, uint8_t* g, int n, int r, bool to_group) {
  for (int v = 0; v < n; ++v) {
    if (to_group) std::memcpy(g + (v * kR + r) * 4, plain + 4 * v, 4);
    else std::memcpy(plain + 4 * v, g + (v * kR + r) * 4, 4);
  }
}
// n plain bytes of row r <-> bytes 16 i + r of g.
void transposed(uint8_t* plain, uint8_t* g, int n, int r, bool to_group) {
  for (int i = 0; i < n; ++i) {
    if (to_group) g[16 * i + r] = plain[i];
    else plain[i] = g[16 * i + r];
  }
}
void half(uint8_t* plain, uint8_t* g, int r, bool to_group) {
  if (to_group) std::memcpy(g + 2 * r, plain, 2);
  else std::memcpy(plain, g + 2 * r, 2);
}

}  // namespace

void q2_k_rows16_block(uint8_t* blk, uint8_t* g, int r, bool to_group) {
  half(blk + 80, g + kQ2Rows16D, r, to_group);
  half(blk + 82, g + kQ2Rows16Dmin, r, to_group);
  transposed(blk, g + kQ2Rows16Scales, 16, r, to_group);
  lanes(blk + 16, g + kQ2Rows16Qs, 16, r, to_group);
}

void q3_k_rows16_block(uint8_t* blk, uint8_t* g, int r, bool to_group) {
  half(blk + 108, g + kQ3Rows16D, r, to_group);
  transposed(blk + 96, g + kQ3Rows16Scales, 12, r, to_group);
  lanes(blk, g + kQ3Rows16Hmask, 8, r, to_group);
  lanes(blk + 32, g + kQ3Rows16Qs, 16, r, to_group);
}

void iq4_xs_rows16_block(uint8_t* blk, uint8_t* g, int r, bool to_group) {
  half(blk, g + kIq4XsRows16D, r, to_group);
  transposed(blk + 2, g + kIq4XsRows16Scales, 6, r, to_group);
  lanes(blk + 8, g + kIq4XsRows16Qs, 32, r, to_group);
}

}  // namespace frugal::kernels
