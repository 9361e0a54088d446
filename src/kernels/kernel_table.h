// Internal interface between the matmul driver and the per-ISA row-dot kernels.
#pragma once

#include <cstdint>

#include "io/tensor_types.h"
#include "kernels/act.h"

namespace frugal::kernels {

// Most activation rows one kernel call handles (a weight row is loaded once for all of them).
constexpr int kMaxTile = 4;

// out[t] = dot(weight row w, activation row t of x) for t < nt (1 <= nt <= kMaxTile).
// w points at the first block of the row; x.cols values.
using RowDotFn = void (*)(const uint8_t* w, const ActRows& x, int nt, float* out);
namespace {
// The RowDotFn of a kernel K whose K::run<NT>(w, x, out) handles NT tokens (1 <= NT <= 4): calls
// it for the tile size at run time. In an anonymous namespace, so each ISA's build keeps its own.
template <class K>
void by_tile(const uint8_t* w, const ActRows& x, int nt, float* out) {
  switch (nt) {
    case 1: K::template run<1>(w, x, out); break;
    case 2: K::template run<2>(w, x, out); break;
    case 3: K::template run<3>(w, x, out); break;
    default: K::template run<4>(w, x, out); break;
  }
}
}  // namespace

// Kernels per ISA; nullptr when the ISA has no kernel for the type. The avx2 / avx512
// getters live in translation units compiled for those ISAs: call them only after a CPU check.
RowDotFn scalar_row_dot(GgmlType t);
RowDotFn avx2_row_dot(GgmlType t);
RowDotFn avx512_row_dot(GgmlType t);
RowDotFn neon_row_dot(GgmlType t);      // ARM64 builds only
RowDotFn neon_row_dot_low(GgmlType t);  // Q2_K, Q3_K, IQ4_XS (used by neon_row_dot)

// Most activation rows one Rows16 micro-kernel call handles.
constexpr int kGemmTile = 8;
// One Rows16 micro-kernel call: block columns [b0, b1) of a 16-row group, activation rows
// t < nt (1 <= nt <= kGemmTile).
struct Rows16Call {
  int64_t b0, b1;
  int nt;
  float* y;
  int64_t ldy;
};
// Rows16 micro-kernels (AVX-512 and NEON: WeightLayout::Rows16, AVX2: Rows16Avx2): y[t * ldy + r] =
// the dot of row r of the group at `group` (block 0) with activation row t of x over the
// call's block columns.
using Rows16Fn = void (*)(const uint8_t* group, const ActRows& x, const Rows16Call& call);
// nullptr when the format has no AVX-512 Rows16 kernel (call only after a CPU check). Every
// format with a Rows16 layout (repack/rows16.h) has one.
Rows16Fn avx512_rows16(GgmlType t);
Rows16Fn avx512_rows16_legacy(GgmlType t);  // Q4_0, Q4_1, Q5_0, Q5_1 (used by avx512_rows16)
// The AVX2 kernels (every format with the layout, as for AVX-512; call only after a CPU check).
Rows16Fn avx2_rows16(GgmlType t);
Rows16Fn avx2_rows16_legacy(GgmlType t);  // Q4_0, Q4_1, Q5_0, Q5_1 (used by avx2_rows16)
Rows16Fn avx2_rows16_low(GgmlType t);     // Q2_K, Q3_K (used by avx2_rows16)
// Pair kernels: two consecutive groups (32 rows: y[t * ldy + r], r < 32) per call, nt <= kPairTile;
// nullptr for formats without one.
constexpr int kPairTile = 6;
Rows16Fn avx512_rows16_pair(GgmlType t);
// Q2_K, Q3_K and IQ4_XS: the one-group kernels, or with pair = true the pair kernels (used by the two
// above; none for IQ4_XS).
Rows16Fn avx512_rows16_low(GgmlType t, bool pair);
// The NEON kernels (ARM64 builds only; WeightLayout::Rows16, as AVX-512's; every format with
// the layout).
Rows16Fn neon_rows16(GgmlType t);
Rows16Fn neon_rows16_legacy(GgmlType t);  // Q4_0, Q4_1, Q5_0, Q5_1 (used by neon_rows16)

}  // namespace frugal::kernels
