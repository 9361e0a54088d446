// SIMD variants of the row operations in ops.h (chosen at run time by ops.cpp; tested against
// the scalar versions).
#pragma once

#include <cstdint>

namespace frugal::kernels {

void silu_mul_avx2(const float* gate, const float* up, float* out, int64_t n);
void softmax_avx2(float* x, int64_t n);
void to_half_f16c(const float* x, uint16_t* out, int64_t n);
void from_half_f16c(const uint16_t* x, float* out, int64_t n);

// The portable versions (what ops.h runs on CPUs without AVX2).
void silu_mul_scalar(const float* gate, const float* up, float* out, int64_t n);
void softmax_scalar(float* x, int64_t n);
void to_half_scalar(const float* x, uint16_t* out, int64_t n);
void from_half_scalar(const uint16_t* x, float* out, int64_t n);

}  // namespace frugal::kernels
