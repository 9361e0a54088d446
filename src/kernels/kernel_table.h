// Internal interface between the matmul driver and the per-ISA row-dot kernels.
#pragma once

#include <cstdint>

#include "io/ggml_types.h"
#include "kernels/act.h"

namespace frugal::kernels {

// Most activation rows one kernel call handles (a weight row is loaded once for all of them).
constexpr int kMaxTile = 4;

// out[t] = dot(weight row w, activation row t of x) for t < nt (1 <= nt <= kMaxTile).
// w points at the first block of the row; x.cols values.
using RowDotFn = void (*)(const uint8_t* w, const ActRows& x, int nt, float* out);

// Kernels per ISA; nullptr when the ISA has no kernel for the type. The avx2 / avx512
// getters live in translation units compiled for those ISAs: call them only after a CPU check.
RowDotFn scalar_row_dot(GgmlType t);
RowDotFn avx2_row_dot(GgmlType t);
RowDotFn avx512_row_dot(GgmlType t);

}  // namespace frugal::kernels
