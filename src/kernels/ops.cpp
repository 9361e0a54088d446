// Elementwise and row-wise operations on f32 activations.
#include "kernels/ops.h"

#include "kernels/ops_simd.h"

#include "base/arch.h"
#include "base/fp16.h"
#include "kernels/attention.h"
#include "kernels/quant/quant_util.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace frugal::kernels {

void rms_norm(const float* x, const float* w, float* out, int64_t n, float eps) {
  // Eight partial sums in double: independent chains the compiler vectorises (one chain of
  // dependent adds took 2.5 us per 2048-wide row, 0.5% of a dense-1b decode step).
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int k = 0; k < 8; ++k) part[k] += double(x[j + k]) * x[j + k];
  double ss = 0;
  for (; j < n; ++j) ss += double(x[j]) * x[j];
  for (double p : part) ss += p;
  const float s = float(1.0 / std::sqrt(ss / double(n) + double(eps)));
  if (w) {
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] * s * w[i];
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] * s;
  }
}

namespace {
struct RowOps {
  void (*silu_mul)(const float*, const float*, float*, int64_t);
  void (*softmax)(float*, int64_t);
  void (*to_half)(const float*, uint16_t*, int64_t);
  void (*from_half)(const uint16_t*, float*, int64_t);
};
// Chosen once from the CPU's features; immutable afterwards.
const RowOps& row_ops() {
  static const RowOps ops = [] {
    RowOps r{silu_mul_scalar, softmax_scalar, to_half_scalar, from_half_scalar};
#if FRUGAL_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      r.silu_mul = silu_mul_avx2, r.softmax = softmax_avx2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c"))
      r.to_half = to_half_f16c, r.from_half = from_half_f16c;
#endif
    return r;
  }();
  return ops;
}
}  // namespace

void silu_mul(const float* gate, const float* up, float* out, int64_t n) { row_ops().silu_mul(gate, up, out, n); }
void softmax(float* x, int64_t n) { row_ops().softmax(x, n); }
void to_half(const float* x, uint16_t* out, int64_t n) { row_ops().to_half(x, out, n); }
void from_half(const uint16_t* x, float* out, int64_t n) { row_ops().from_half(x, out, n); }

void to_q8_row(const float* x, int8_t* codes, uint16_t* scales, int64_t n) {
  for (int64_t b0 = 0; b0 < n; b0 += kKvQ8Block) {
    const int64_t b1 = std::min(n, b0 + kKvQ8Block);
    float amax = 0;
    for (int64_t i = b0; i < b1; ++i) amax = std::max(amax, std::fabs(x[i]));
    const uint16_t h = float_to_fp16(amax / 127.0f);
    const float d = fp16_to_float(h), id = d != 0 ? 1.0f / d : 0.0f;
    scales[b0 / kKvQ8Block] = h;
    for (int64_t i = b0; i < b1; ++i) codes[i] = int8_t(round_clamp(x[i] * id, -127, 127));
  }
}

void from_q8_row(const int8_t* codes, const uint16_t* scales, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = float(codes[i]) * fp16_to_float(scales[i / kKvQ8Block]);
}

void to_half_scalar(const float* x, uint16_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = float_to_fp16(x[i]);
}

void from_half_scalar(const uint16_t* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = fp16_to_float(x[i]);
}

void silu_mul_scalar(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void softmax_scalar(float* x, int64_t n) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    sum += x[i];
  }
  const float inv = float(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void add_inplace(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void axpy(float* y, float a, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

float dot(const float* a, const float* b, int64_t n) {
  // 8 independent partial sums so the compiler can vectorise without -ffast-math.
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

void scale_inplace(float* x, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] *= s;
}

void rope_apply(float* x, int64_t n_rot, const float* cos, const float* sin, RopeMode mode) {
  const int64_t half = n_rot / 2;
  if (mode == RopeMode::Interleaved) {
    for (int64_t i = 0; i < half; ++i) {
      const float a = x[2 * i], b = x[2 * i + 1];
      x[2 * i] = a * cos[i] - b * sin[i];
      x[2 * i + 1] = a * sin[i] + b * cos[i];
    }
  } else {
    for (int64_t i = 0; i < half; ++i) {
      const float a = x[i], b = x[i + half];
      x[i] = a * cos[i] - b * sin[i];
      x[i + half] = a * sin[i] + b * cos[i];
    }
  }
}

}  // namespace frugal::kernels
