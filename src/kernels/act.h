// Activations as the fast kernels consume them: f32 rows, or int8 rows with block scales.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/quant/formats.h"

namespace frugal::kernels {

// A tile of activation rows. For ActKind::F32, row t is xf + t * ldx. For the int8 kinds,
// row t starts at base + t * stride and holds: int8 qs[cols], float d[cols / B], then
// Q8_32: float s[cols / 32] (= d * sum of the block's qs) and int32 c[cols / 32] (= -128 * sum
// of the block's qs); Q8_256: int16 bsums[cols / 16] (sums of 16 qs), int16 bsums32[cols / 32]
// (sums of 32 qs) and int32 c16[cols / 16] (= -32 * bsums: Q6_K's code offset).
struct ActRows {
  const float* xf = nullptr;
  int64_t ldx = 0;
  const uint8_t* base = nullptr;
  size_t stride = 0;
  int64_t cols = 0;

  ActRows shifted(int64_t t) const {
    ActRows r = *this;
    if (xf) r.xf += t * ldx;
    if (base) r.base += size_t(t) * stride;
    return r;
  }
  const float* f32(int t) const { return xf + t * ldx; }
  const int8_t* qs(int t) const { return reinterpret_cast<const int8_t*>(base + size_t(t) * stride); }
  const float* d(int t) const { return reinterpret_cast<const float*>(base + size_t(t) * stride + size_t(cols)); }
  const float* sum32(int t) const { return d(t) + cols / 32; }
  const int32_t* neg128_sum32(int t) const { return reinterpret_cast<const int32_t*>(sum32(t) + cols / 32); }
  const int16_t* bsums(int t) const { return reinterpret_cast<const int16_t*>(d(t) + cols / 256); }
  const int16_t* bsums32(int t) const { return bsums(t) + cols / 16; }
  const int32_t* neg32_bsums(int t) const { return reinterpret_cast<const int32_t*>(bsums32(t) + cols / 32); }
};

// Bytes of one quantized activation row (a multiple of 64); 0 for ActKind::F32.
size_t act_row_bytes(ActKind kind, int64_t cols);

// Quantizes cols floats (a multiple of the kind's block) into one row of the layout above:
// per block d = max|x| / 127 and q = round(x / d) in [-127, 127].
void quantize_act_row(ActKind kind, const float* x, int64_t cols, uint8_t* dst);
// The same, bit for bit, with AVX2 or NEON (call only when the CPU has the ISA; each exists
// only in builds for its architecture).
void quantize_act_row_avx2(ActKind kind, const float* x, int64_t cols, uint8_t* dst);
void quantize_act_row_neon(ActKind kind, const float* x, int64_t cols, uint8_t* dst);
// Q8_256: bsums32 and c16 of a row from its bsums (the last step of both quantizers).
void fill_q8_256_sums(int16_t* bsums, int64_t cols);

}  // namespace frugal::kernels
