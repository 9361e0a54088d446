// The table of computable weight formats.
#include "kernels/quant/formats.h"

#include <array>

#include "base/error.h"

namespace frugal::kernels {

namespace {
constexpr std::array<FormatDesc, 15> kFormats{{
    {GgmlType::F32, "F32", 1, 4, ActKind::F32, dequantize_row_f32, quantize_row_f32},
    {GgmlType::F16, "F16", 1, 2, ActKind::F32, dequantize_row_f16, quantize_row_f16},
    {GgmlType::BF16, "BF16", 1, 2, ActKind::F32, dequantize_row_bf16, quantize_row_bf16},
    {GgmlType::Q4_0, "Q4_0", 32, 18, ActKind::Q8_32, dequantize_row_q4_0, quantize_row_q4_0, 32, affine_row_q4_0},
    {GgmlType::Q4_1, "Q4_1", 32, 20, ActKind::Q8_32, dequantize_row_q4_1, quantize_row_q4_1, 32, affine_row_q4_1},
    {GgmlType::Q5_0, "Q5_0", 32, 22, ActKind::Q8_32, dequantize_row_q5_0, quantize_row_q5_0, 32, affine_row_q5_0},
    {GgmlType::Q5_1, "Q5_1", 32, 24, ActKind::Q8_32, dequantize_row_q5_1, quantize_row_q5_1, 32, affine_row_q5_1},
    {GgmlType::Q8_0, "Q8_0", 32, 34, ActKind::Q8_32, dequantize_row_q8_0, quantize_row_q8_0, 32, affine_row_q8_0},
    {GgmlType::Q4_K, "Q4_K", 256, 144, ActKind::Q8_256, dequantize_row_q4_k, quantize_row_q4_k, 32, affine_row_q4_k},
    {GgmlType::Q5_K, "Q5_K", 256, 176, ActKind::Q8_256, dequantize_row_q5_k, quantize_row_q5_k, 32, affine_row_q5_k},
    {GgmlType::Q6_K, "Q6_K", 256, 210, ActKind::Q8_256, dequantize_row_q6_k, quantize_row_q6_k, 16, affine_row_q6_k},
    {GgmlType::Q2_K, "Q2_K", 256, 84, ActKind::Q8_256, dequantize_row_q2_k, quantize_row_q2_k, 16, affine_row_q2_k},
    {GgmlType::Q3_K, "Q3_K", 256, 110, ActKind::Q8_256, dequantize_row_q3_k, quantize_row_q3_k, 16, affine_row_q3_k},
    {GgmlType::IQ4_NL, "IQ4_NL", 32, 18, ActKind::Q8_32, dequantize_row_iq4_nl, quantize_row_iq4_nl, 32,
     affine_row_iq4_nl},
    {GgmlType::IQ4_XS, "IQ4_XS", 256, 136, ActKind::Q8_256, dequantize_row_iq4_xs, quantize_row_iq4_xs, 32,
     affine_row_iq4_xs},
}};
}  // namespace

const FormatDesc* find_format(GgmlType t) {
  for (const auto& f : kFormats)
    if (f.type == t) return &f;
  return nullptr;
}

const FormatDesc& format_of(GgmlType t) {
  const FormatDesc* f = find_format(t);
  if (!f) fail("unsupported tensor type {}", ggml_type_name(uint32_t(t)));
  return *f;
}

}  // namespace frugal::kernels
