// Shared pieces of the matmul entry points and drivers (matmul.cpp, matmul_batch.cpp, matmul_drivers.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/act.h"
#include "kernels/kernel_table.h"
#include "kernels/matmul.h"
#include "kernels/quant/formats.h"

namespace frugal::kernels {

struct AlignedFree {
  void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t(64)); }
};
using AlignedBytes = std::unique_ptr<uint8_t[], AlignedFree>;
inline AlignedBytes alloc_aligned(size_t n) {
  return AlignedBytes(static_cast<uint8_t*>(::operator new[](n, std::align_val_t(64))));
}

// Activations for one matmul: quantized once (int8 kinds) into `local` when they fit, else
// into a heap buffer; F32 kinds point at x.
class QuantizedActs {
 public:
  QuantizedActs(ThreadPool& pool, Isa isa, ActKind kind, const float* x, int64_t n_tok, int64_t ldx, int64_t cols);
  const ActRows& rows() const { return rows_; }

 private:
  static constexpr size_t kLocal = 16 << 10;
  alignas(64) uint8_t local_[kLocal];
  AlignedBytes heap_;
  ActRows rows_;
};

// Throws Error unless w, n_tok, ldx and ldy make a valid matmul.
void validate_matmul(const WeightMatrix& w, const FormatDesc& f, int64_t n_tok, int64_t ldx, int64_t ldy);
// The ISA's Rows16 micro-kernel for type t in `layout`; nullptr where it has none (also for a
// Rows16 layout that is not rows16_layout(isa)).
Rows16Fn rows16_kernel(Isa isa, WeightLayout layout, GgmlType t);
// Whether `isa` runs Rows16 micro-kernels on w (else w must be Plain, or made Plain).
bool runs_rows16(Isa isa, const WeightMatrix& w);
// A Plain copy of a Rows16 / Rows16Avx2 matrix's bytes.
std::vector<uint8_t> plain_copy(const WeightMatrix& w);

// Quantizes one activation row with the ISA's routine (bit-identical across ISAs).
void quantize_act(Isa isa, ActKind kind, const float* x, int64_t cols, uint8_t* dst);

// One matmul, run in pieces: units are rows (Plain: row dots) or 16-row groups (Rows16:
// micro-kernels); run(u0, u1) writes y for units [u0, u1) and every token.
struct MatmulTask {
  WeightMatrix w;
  ActRows act;
  int64_t n_tok = 0;
  float* y = nullptr;
  int64_t ldy = 0;
  Rows16Fn rows16 = nullptr;  // set for Rows16 matrices with a kernel for this ISA
  Rows16Fn pair = nullptr;    // and its two-group kernel, if any
  RowDotFn row_dot = nullptr;  // otherwise (w must then be Plain)

  int64_t units() const { return rows16 ? w.rows / kRows16 : w.rows; }
  uint64_t unit_bytes() const;
  // Few enough tokens that the weights are streamed once (decode): memory-bound.
  bool streams() const;
  // Units per work item for `threads` threads (the dynamic schedule).
  int64_t grain(int threads) const;
  // Units per claim when streaming through contiguous parts (run_streaming).
  int64_t stream_grain() const;
  void run(int64_t u0, int64_t u1) const;
};
MatmulTask make_task(Isa isa, const WeightMatrix& w, const ActRows& act, int64_t n_tok, float* y, int64_t ldy);

// Runs streaming tasks (decode) in one region: their units in order, split into one contiguous
// run of equal bytes per thread (see ThreadPool::parallel_parts).
void run_streaming(ThreadPool& pool, std::span<const MatmulTask> tasks);
// Runs tasks in one region: run_streaming when all stream, else work items of every task,
// biggest first so the last to finish are small.
void run_tasks(ThreadPool& pool, std::span<const MatmulTask> tasks);

}  // namespace frugal::kernels
