// Weight-matrix products: the one operation that dominates inference time.
// Kernels are chosen once at start-up (Kernels::select); model code never sees SIMD.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/thread_pool.h"
#include "io/tensor_types.h"
#include "tensor/matrix.h"
#include "tensor/weight_preparer.h"

namespace frugal::kernels {

using frugal::WeightMatrix;  // defined in tensor/matrix.h

enum class Isa {
  Reference,  // scalar oracle: dequantize each row to f32, accumulate in f32 (used by tests vs PyTorch)
  Scalar,     // portable fast path (quantized activations, integer dots), no SIMD
  Avx2,       // AVX2 + FMA + F16C
  Avx512,     // AVX-512 F/BW/VL/DQ + VNNI + BF16
  Neon,       // ARM64 Advanced SIMD + the dot-product extension (SDOT, Armv8.2)
  Auto,       // best the CPU supports (only as a request; never returned by isa())
};
const char* isa_name(Isa isa);
// Parses "reference" | "scalar" | "avx2" | "avx512" | "neon" | "auto"; throws Error otherwise.
Isa isa_from_name(const std::string& name);
// The best Isa this CPU supports.
Isa detect_best_isa();
// Whether this CPU can run `isa` (Reference, Scalar and Auto: always).
bool cpu_supports(Isa isa);
// The layout the ISA's Rows16 micro-kernels read (AVX-512: Rows16, AVX2: Rows16Avx2), into
// which its weight_preparer() repacks; Plain where the ISA has none.
WeightLayout rows16_layout(Isa isa);

// One product of a batch: y = W x with Kernels::matmul's arguments. With `rows`, activation
// row t is x + rows[t] * ldx (a gather: MoE experts read their tokens' rows in place, and each
// row of x is quantized once for every job that reads it); rows[t] >= 0.
struct MatmulJob {
  WeightMatrix w;
  const float* x = nullptr;
  int64_t n_tok = 0;
  int64_t ldx = 0;
  float* y = nullptr;
  int64_t ldy = 0;
  const int32_t* rows = nullptr;
};

class Kernels {
 public:
  // Selects kernels for `requested` (Auto = best available); throws Error if the CPU lacks it.
  static Kernels select(Isa requested = Isa::Auto);

  Isa isa() const { return isa_; }

  // y[t * ldy + r] = sum_c W[r, c] * x[t * ldx + c]   for t < n_tok, r < w.rows.
  // x holds n_tok rows of w.cols floats (x and y must not overlap). Work is split over the
  // pool's threads. Reference: exact dot of the dequantized row, accumulated in double.
  // Fast paths: F32/F16/BF16 weights use f32 activations (error: f32 rounding only); the
  // block formats quantize each activation block (32 values for Q4_0..Q8_0, 256 for the K
  // formats) to int8 with d = max|x| / 127, so each output differs from the reference by at
  // most sum_c |W[r, c]| * d(c) / 2 plus f32 rounding.
  void matmul(ThreadPool& pool, const WeightMatrix& w, const float* x, int64_t n_tok, int64_t ldx, float* y,
              int64_t ldy) const;

  // Runs independent matmuls in one parallel region: the threads share the work items of all
  // jobs, so jobs of uneven size (the experts of a MoE layer with their token counts, an
  // expert's gate and up projections) keep every thread busy and wake them once, not once
  // per job. Jobs with the same x, ldx, cols and activation format quantize each row of x
  // once (gathering jobs copy their quantized rows). Each y equals what matmul() writes for its
  // job (on the gathered rows); no y may overlap another job's x or y.
  void matmul_batch(ThreadPool& pool, std::span<const MatmulJob> jobs) const;

  // Dequantizes row `row` of w into out[0 .. w.cols) (embedding lookups). Any layout.
  void dequantize_row(const WeightMatrix& w, int64_t row, float* out) const;

  // A WeightPreparer that repacks weights at load into the layout these kernels stream
  // fastest (AVX-512: WeightLayout::Rows16, AVX2: Rows16Avx2), or nullptr when that is the
  // plain layout (every other ISA). `pool` parallelises the repacking; matmul and dequantize_row accept both layouts
  // with every ISA. The matrices it prepares must lie in read-only file mappings (GgufFile):
  // it drops their pages once repacked so resident memory holds one copy.
  std::unique_ptr<WeightPreparer> weight_preparer(ThreadPool& pool) const;

  // Throws Error("unsupported tensor type X in tensor NAME") if no kernel handles w.type.
  static void check_supported(GgmlType type, const std::string& tensor_name);

 private:
  explicit Kernels(Isa isa) : isa_(isa) {}
  // matmul_batch once every job reads floats directly or through the quantized kernels.
  void run_batch(ThreadPool& pool, std::span<const MatmulJob> jobs) const;
  Isa isa_;
};

}  // namespace frugal::kernels
