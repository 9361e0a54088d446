// Descriptor table of the weight formats frugal computes with, and their reference
// (scalar, obviously-correct) row dequantizers and quantizers.
#pragma once

#include <cstdint>

#include "io/tensor_types.h"

namespace frugal::kernels {

// n values (a multiple of the block size) from/to raw blocks.
using DequantizeRowFn = void (*)(const uint8_t* src, float* dst, int64_t n);
using QuantizeRowFn = void (*)(const float* src, uint8_t* dst, int64_t n);
// The block formats are affine per group of values: value = scale[g] * code + bias[g] with an
// int8 code (Q8_0: any; Q6_K, Q4_0, Q5_0: [-32, 31]; Q4_K, Q5_K, Q4_1, Q5_1: [0, 31]; Q2_K: [0, 3];
// Q3_K: [-4, 3]; IQ4_NL, IQ4_XS: the grid values, [-127, 113]). Splits n values
// into codes[n] and scale/bias[n / group]; scale * float(code) + bias equals the dequantized
// value bit for bit.
using AffineRowFn = void (*)(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);

// How the fast paths feed activations to a weight format.
enum class ActKind {
  F32,     // float activations, float FMA (F32 / F16 / BF16 weights)
  Q8_32,   // int8 activations in blocks of 32 (legacy formats)
  Q8_256,  // int8 activations in blocks of 256 with per-16 sums (K formats)
};

struct FormatDesc {
  GgmlType type;
  const char* name;
  int block_elems;
  int block_bytes;
  ActKind act;
  DequantizeRowFn dequantize;
  QuantizeRowFn quantize;
  int affine_group = 0;         // values per (scale, bias) pair; 0: not a block format
  AffineRowFn affine = nullptr;
};

// nullptr when frugal has no kernels for t.
const FormatDesc* find_format(GgmlType t);
// Throws Error("unsupported tensor type X") when frugal has no kernels for t.
const FormatDesc& format_of(GgmlType t);

// Reference implementations (one per format).
void dequantize_row_f32(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_f16(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_bf16(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_q4_0(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_q4_1(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_q5_0(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_q5_1(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_q8_0(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_q4_k(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_q5_k(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_q6_k(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_q2_k(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_q3_k(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_iq4_nl(const uint8_t* src, float* dst, int64_t n);
void dequantize_row_iq4_xs(const uint8_t* src, float* dst, int64_t n);

void affine_row_q4_0(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);
void affine_row_q4_1(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);
void affine_row_q5_0(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);
void affine_row_q5_1(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);
void affine_row_q8_0(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);
void affine_row_q4_k(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);
void affine_row_q5_k(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);
void affine_row_q6_k(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);
void affine_row_q2_k(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);
void affine_row_q3_k(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);
void affine_row_iq4_nl(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);
void affine_row_iq4_xs(const uint8_t* src, int8_t* codes, float* scale, float* bias, int64_t n);

void quantize_row_f32(const float* src, uint8_t* dst, int64_t n);
void quantize_row_f16(const float* src, uint8_t* dst, int64_t n);
void quantize_row_bf16(const float* src, uint8_t* dst, int64_t n);
void quantize_row_q4_0(const float* src, uint8_t* dst, int64_t n);
void quantize_row_q4_1(const float* src, uint8_t* dst, int64_t n);
void quantize_row_q5_0(const float* src, uint8_t* dst, int64_t n);
void quantize_row_q5_1(const float* src, uint8_t* dst, int64_t n);
void quantize_row_q8_0(const float* src, uint8_t* dst, int64_t n);
void quantize_row_q4_k(const float* src, uint8_t* dst, int64_t n);
void quantize_row_q5_k(const float* src, uint8_t* dst, int64_t n);
void quantize_row_q6_k(const float* src, uint8_t* dst, int64_t n);
void quantize_row_q2_k(const float* src, uint8_t* dst, int64_t n);
void quantize_row_q3_k(const float* src, uint8_t* dst, int64_t n);
void quantize_row_iq4_nl(const float* src, uint8_t* dst, int64_t n);
void quantize_row_iq4_xs(const float* src, uint8_t* dst, int64_t n);

}  // namespace frugal::kernels
