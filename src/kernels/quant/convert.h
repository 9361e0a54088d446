// Whole-tensor conversion between weight formats (dequantize each row, requantize it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "io/tensor_types.h"

namespace frugal::kernels {

// Converts `rows` rows of `cols` values from `src` (type `from`) to type `to`, splitting rows
// over the pool. Both types must be computable formats and cols a multiple of both block sizes.
// Throws Error naming `what` if a value is NaN/inf and `to` is a block-quantized type.
std::vector<uint8_t> convert_rows(ThreadPool& pool, GgmlType from, const uint8_t* src, GgmlType to, int64_t rows,
                                  int64_t cols, const std::string& what);

// The type llama.cpp-style quantization uses when rows of `cols` values cannot hold whole
// blocks of `wanted`: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, then F16 when even 32 does not divide.
GgmlType fallback_type(GgmlType wanted, int64_t cols);

}  // namespace frugal::kernels
