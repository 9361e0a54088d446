// The SIMD activation quantizers' driver (kernels/act.h's row layout), written once over an ISA's
// two block operations and instantiated in avx2/act_avx2.cpp and neon/act_neon.cpp. Bit-identical
// to quantize_act_row: the same scale, round to nearest even; blocks holding NaN or infinity take
// the portable path. Q provides:
//   float absmax(const float* x, int n, bool* bad): max |x| over n (a multiple of 32) values,
//       *bad set when any is NaN or infinite;
//   int quantize32(const float* x, float id, int8_t* q, int16_t* sums16): 32 values to int8
//       (x * id rounded to nearest even), returns the codes' sum and writes the sums of each 16
//       into sums16 when given.
// Include only from those files (anonymous namespace: each ISA's build keeps its own instance).
#pragma once

#include <cstring>
#include <vector>

#include "kernels/act.h"

namespace frugal::kernels {
namespace {

template <class Q>
void quantize_act_row_with(ActKind kind, const float* x, int64_t cols, uint8_t* dst) {
  const int block = kind == ActKind::Q8_32 ? 32 : 256;
  int8_t* qs = reinterpret_cast<int8_t*>(dst);
  float* d = reinterpret_cast<float*>(dst + cols);
  float* s32 = d + cols / 32;
  int32_t* c32 = reinterpret_cast<int32_t*>(s32 + cols / 32);
  int16_t* bsums = reinterpret_cast<int16_t*>(d + cols / 256);
  for (int64_t b = 0; b < cols / block; ++b) {
    const float* xb = x + b * block;
    bool bad = false;
    const float amax = Q::absmax(xb, block, &bad);
    if (!bad && amax < 1e-30f) {  // zero (or negligible) block
      std::memset(qs + b * block, 0, size_t(block));
      d[b] = 0;
      if (kind == ActKind::Q8_32) s32[b] = 0, c32[b] = 0;
      if (kind == ActKind::Q8_256) std::memset(bsums + 16 * b, 0, 32);
      continue;
    }
    if (bad) {  // NaN / inf: the portable code makes the block's dot NaN
      std::vector<uint8_t> tmp(act_row_bytes(kind, block));
      quantize_act_row(kind, xb, block, tmp.data());
      std::memcpy(qs + b * block, tmp.data(), size_t(block));
      std::memcpy(d + b, tmp.data() + block, 4);
      if (kind == ActKind::Q8_32) std::memcpy(s32 + b, tmp.data() + block + 4, 4), std::memcpy(c32 + b, tmp.data() + block + 8, 4);
      if (kind == ActKind::Q8_256) std::memcpy(bsums + 16 * b, tmp.data() + block + 4, 32);
      continue;
    }
    d[b] = amax / 127.0f;
    const float id = 127.0f / amax;
    int total = 0;
    for (int k = 0; k < block; k += 32)
      total += Q::quantize32(xb + k, id, qs + b * block + k, kind == ActKind::Q8_256 ? bsums + 16 * b + k / 16 : nullptr);
    if (kind == ActKind::Q8_32) s32[b] = d[b] * float(total), c32[b] = -128 * total;
  }
  if (kind == ActKind::Q8_256) fill_q8_256_sums(bsums, cols);
}

}  // namespace
}  // namespace frugal::kernels
