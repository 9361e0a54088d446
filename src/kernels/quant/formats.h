// Descriptor table of the weight formats frugal computes with, and their reference
// (scalar, obviously-correct) row dequantizers and quantizers.
#pragma once

#include <cstdint>

#include "io/tensor_types.h"

namespace frugal::kernels {

// n values (a multiple of the block size) from/to raw blocks.
using DequantizeRowFn = void (*)(const uint8_t* src, float* dst, int64_t n);
using QuantizeRowFn = void (*)(const float* src, uint8_t* dst, int64_t n);

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

}  // namespace frugal::kernels
