// Quantization of activation rows to int8 blocks (portable; shared by all fast paths).
#include "kernels/act.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace frugal::kernels {

namespace {

// Quantizes n values with one scale; returns d and writes q; sum of q into *qsum.
float quantize_block(const float* x, int n, int8_t* q, int* qsum) {
  float amax = 0;
  for (int i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    amax = (a > amax || a != a) ? a : amax;  // NaN sticks
  }
  if (!(amax <= std::numeric_limits<float>::max())) {  // inf or NaN: make the dot NaN
    std::memset(q, 0, size_t(n));
    *qsum = 0;
    return std::numeric_limits<float>::quiet_NaN();
  }
  // Blocks below 1e-30 contribute nothing measurable; 127 / amax would overflow.
  const float d = amax >= 1e-30f ? amax / 127.0f : 0.0f;
  const float id = amax >= 1e-30f ? 127.0f / amax : 0.0f;
  int s = 0;
  for (int i = 0; i < n; ++i) {
    const int v = std::clamp(int(std::lrintf(x[i] * id)), -127, 127);
    q[i] = int8_t(v);
    s += v;
  }
  *qsum = s;
  return d;
}

}  // namespace

size_t act_row_bytes(ActKind kind, int64_t cols) {
  size_t n = 0;
  switch (kind) {
    case ActKind::F32: return 0;
    case ActKind::Q8_32: n = size_t(cols) + size_t(cols / 32) * 12; break;
    case ActKind::Q8_256:
      n = size_t(cols) + size_t(cols / 256) * 4 + size_t(cols / 16) * 2 + size_t(cols / 32) * 2 + size_t(cols / 16) * 4;
      break;
  }
  return (n + 63) / 64 * 64;
}

void quantize_act_row(ActKind kind, const float* x, int64_t cols, uint8_t* dst) {
  int8_t* qs = reinterpret_cast<int8_t*>(dst);
  float* d = reinterpret_cast<float*>(dst + cols);
  if (kind == ActKind::Q8_32) {
    float* s = d + cols / 32;
    int32_t* c = reinterpret_cast<int32_t*>(s + cols / 32);
    for (int64_t b = 0; b < cols / 32; ++b) {
      int qsum;
      d[b] = quantize_block(x + 32 * b, 32, qs + 32 * b, &qsum);
      s[b] = d[b] * float(qsum);
      c[b] = -128 * qsum;
    }
  } else if (kind == ActKind::Q8_256) {
    int16_t* bsums = reinterpret_cast<int16_t*>(d + cols / 256);
    for (int64_t b = 0; b < cols / 256; ++b) {
      int qsum;
      d[b] = quantize_block(x + 256 * b, 256, qs + 256 * b, &qsum);
      for (int j = 0; j < 16; ++j) {
        int s = 0;
        for (int l = 0; l < 16; ++l) s += qs[256 * b + 16 * j + l];
        bsums[16 * b + j] = int16_t(s);
      }
    }
    fill_q8_256_sums(bsums, cols);
  }
}

void fill_q8_256_sums(int16_t* bsums, int64_t cols) {
  int16_t* sums32 = bsums + cols / 16;  // |sum of 32 qs| <= 32 * 127: fits int16
  for (int64_t j = 0; j < cols / 32; ++j) sums32[j] = int16_t(bsums[2 * j] + bsums[2 * j + 1]);
  int32_t* c16 = reinterpret_cast<int32_t*>(sums32 + cols / 32);  // 4-byte aligned: cols % 256 == 0
  for (int64_t j = 0; j < cols / 16; ++j) c16[j] = -32 * bsums[j];
}

}  // namespace frugal::kernels
