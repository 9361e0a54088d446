// Block geometry of the GGUF tensor types.
#include "io/tensor_types.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "base/error.h"

namespace frugal {

namespace {
constexpr std::array<GgmlTypeInfo, 32> kTypes{{
    {GgmlType::F32, "F32", 1, 4, true},
    {GgmlType::F16, "F16", 1, 2, true},
    {GgmlType::Q4_0, "Q4_0", 32, 18, true},
    {GgmlType::Q4_1, "Q4_1", 32, 20, true},
    {GgmlType::Q5_0, "Q5_0", 32, 22, true},
    {GgmlType::Q5_1, "Q5_1", 32, 24, true},
    {GgmlType::Q8_0, "Q8_0", 32, 34, true},
    {GgmlType::Q8_1, "Q8_1", 32, 36, false},
    {GgmlType::Q2_K, "Q2_K", 256, 84, true},
    {GgmlType::Q3_K, "Q3_K", 256, 110, true},
    {GgmlType::Q4_K, "Q4_K", 256, 144, true},
    {GgmlType::Q5_K, "Q5_K", 256, 176, true},
    {GgmlType::Q6_K, "Q6_K", 256, 210, true},
    {GgmlType::Q8_K, "Q8_K", 256, 292, false},
    {GgmlType::IQ4_NL, "IQ4_NL", 32, 18, true},
    {GgmlType::IQ4_XS, "IQ4_XS", 256, 136, true},
    // Known so that files holding them open (frugal info) and name the type they need; no kernels.
    {GgmlType::IQ2_XXS, "IQ2_XXS", 256, 66, false},
    {GgmlType::IQ2_XS, "IQ2_XS", 256, 74, false},
    {GgmlType::IQ3_XXS, "IQ3_XXS", 256, 98, false},
    {GgmlType::IQ1_S, "IQ1_S", 256, 50, false},
    {GgmlType::IQ3_S, "IQ3_S", 256, 110, false},
    {GgmlType::IQ2_S, "IQ2_S", 256, 82, false},
    {GgmlType::IQ1_M, "IQ1_M", 256, 56, false},
    {GgmlType::TQ1_0, "TQ1_0", 256, 54, false},
    {GgmlType::TQ2_0, "TQ2_0", 256, 66, false},
    {GgmlType::MXFP4, "MXFP4", 32, 17, false},
    {GgmlType::I8, "I8", 1, 1, false},
    {GgmlType::I16, "I16", 1, 2, false},
    {GgmlType::I32, "I32", 1, 4, false},
    {GgmlType::I64, "I64", 1, 8, false},
    {GgmlType::F64, "F64", 1, 8, false},
    {GgmlType::BF16, "BF16", 1, 2, true},
}};
}  // namespace

std::optional<GgmlTypeInfo> ggml_type_info(uint32_t raw) {
  for (const auto& t : kTypes)
    if (uint32_t(t.type) == raw) return t;
  return std::nullopt;
}

const GgmlTypeInfo& ggml_type_info(GgmlType t) {
  for (const auto& i : kTypes)
    if (i.type == t) return i;
  fail("internal: unknown ggml type {}", uint32_t(t));
}

std::string ggml_type_name(uint32_t raw) {
  auto i = ggml_type_info(raw);
  return i ? std::string(i->name) : "type#" + std::to_string(raw);
}

std::optional<GgmlType> ggml_type_from_name(const std::string& name) {
  std::string up = name;
  std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  for (const auto& t : kTypes)
    if (up == t.name) return t.type;
  return std::nullopt;
}

std::optional<uint64_t> ggml_row_bytes(GgmlType t, uint64_t n) {
  const auto& i = ggml_type_info(t);
  if (n % i.block_elems) return std::nullopt;
  return n / i.block_elems * i.block_bytes;
}

}  // namespace frugal
