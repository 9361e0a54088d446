// Tensor storage types as numbered in GGUF files, with their block geometry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace frugal {

// Values are the on-disk ggml type ids.
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
  IQ1_M = 29,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
};

struct GgmlTypeInfo {
  GgmlType type;
  const char* name;
  uint32_t block_elems;  // values per block
  uint32_t block_bytes;  // bytes per block
  bool computable;       // frugal has kernels for it (others load but cannot be used as weights)
};

// Layout info for a raw type id from a file; nullopt for ids frugal does not know.
std::optional<GgmlTypeInfo> ggml_type_info(uint32_t raw);
const GgmlTypeInfo& ggml_type_info(GgmlType t);
std::string ggml_type_name(uint32_t raw);
// Parses "q4_k", "Q8_0", "f16", ...; nullopt if unknown.
std::optional<GgmlType> ggml_type_from_name(const std::string& name);

// Bytes of one row of n values; nullopt if n is not a whole number of blocks.
std::optional<uint64_t> ggml_row_bytes(GgmlType t, uint64_t n);

}  // namespace frugal
