// Elementwise and row-wise operations on f32 activations (norms, activations, softmax, RoPE).
// Plain loops written so the compiler vectorises them; these are not the hot spot (matmul is).
#pragma once

#include <cstdint>
#include <span>

namespace frugal::kernels {

// out[i] = x[i] / sqrt(mean(x^2) + eps) * w[i]   (w may be null: no scale). out may alias x.
void rms_norm(const float* x, const float* w, float* out, int64_t n, float eps);
// out[i] = silu(gate[i]) * up[i]. out may alias gate.
void silu_mul(const float* gate, const float* up, float* out, int64_t n);
// In-place softmax over n values; returns nothing. Handles -inf entries.
void softmax(float* x, int64_t n);
// y[i] += x[i]
void add_inplace(float* y, const float* x, int64_t n);
// y[i] += a * x[i]
void axpy(float* y, float a, const float* x, int64_t n);
// sum_i a[i] * b[i]
float dot(const float* a, const float* b, int64_t n);
void scale_inplace(float* x, float s, int64_t n);
// Rows of f32 <-> IEEE half, rounding to nearest even (F16C where the CPU has it; the portable
// path rounds the same way, so both give the same halves for every non-NaN input).
void to_half(const float* x, uint16_t* out, int64_t n);
void from_half(const uint16_t* x, float* out, int64_t n);
// A row of n values <-> q8_0 cache blocks (kernels::kKvQ8Block values per block, the last one
// possibly shorter): scale d = half(max |x| / 127), code round(x / d) in [-127, 127]; out
// value code * d. Codes stay in [-127, 127] whatever the input (NaN codes as -127).
void to_q8_row(const float* x, int8_t* codes, uint16_t* scales, int64_t n);
void from_q8_row(const int8_t* codes, const uint16_t* scales, float* out, int64_t n);

enum class RopeMode {
  Interleaved,  // pairs (x[2i], x[2i+1]) — GGUF "llama" convention (ggml rope mode 0)
  Neox,         // pairs (x[i], x[i + n_rot/2]) — rotate-half (Qwen, DeepSeek, ...)
};

// Rotates the first n_rot dims of one head vector x in place with the per-pair cos/sin
// tables (n_rot / 2 entries each).
void rope_apply(float* x, int64_t n_rot, const float* cos, const float* sin, RopeMode mode);

}  // namespace frugal::kernels
