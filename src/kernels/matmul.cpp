// Matmul driver: validates shapes, quantizes activations, splits rows over threads and
// runs the selected ISA's row-dot kernel on tiles of up to kMaxTile activation rows.
#include "kernels/matmul.h"

#include <algorithm>
#include <memory>
#include <new>
#include <vector>

#include "base/error.h"
#include "kernels/act.h"
#include "kernels/kernel_table.h"
#include "kernels/quant/formats.h"

namespace frugal::kernels {

namespace {

struct AlignedFree {
  void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t(64)); }
};
using AlignedBytes = std::unique_ptr<uint8_t[], AlignedFree>;
AlignedBytes alloc_aligned(size_t n) {
  return AlignedBytes(static_cast<uint8_t*>(::operator new[](n, std::align_val_t(64))));
}

RowDotFn row_dot_for(Isa isa, GgmlType t) {
  RowDotFn fn = nullptr;
  if (isa == Isa::Avx512) fn = avx512_row_dot(t);
  if (isa == Isa::Avx2) fn = avx2_row_dot(t);
  return fn ? fn : scalar_row_dot(t);
}

void validate(const WeightMatrix& w, const FormatDesc& f, int64_t n_tok, int64_t ldx, int64_t ldy) {
  FRUGAL_CHECK(w.rows >= 0 && w.cols > 0 && n_tok >= 0, "matmul: bad shape {}x{} with {} tokens", w.rows, w.cols,
               n_tok);
  FRUGAL_CHECK(w.cols % f.block_elems == 0, "matmul: {} columns are not a multiple of the {} block size {}", w.cols,
               f.name, f.block_elems);
  const uint64_t need = uint64_t(w.cols / f.block_elems) * uint64_t(f.block_bytes);
  FRUGAL_CHECK(w.row_bytes >= need, "matmul: row stride {} < {} bytes of a {} row of {}", w.row_bytes, need, f.name,
               w.cols);
  FRUGAL_CHECK(n_tok <= 1 || (ldx >= w.cols && ldy >= w.rows), "matmul: strides ldx={} ldy={} too small", ldx, ldy);
  FRUGAL_CHECK(w.rows == 0 || w.data != nullptr, "matmul: null weight data");
}

// Rows per work item: enough items to balance the threads, few enough bytes to stay in L2
// while the item's rows are reused for every tile of activation rows.
int64_t row_grain(const WeightMatrix& w, int threads, int64_t n_tok) {
  const int64_t rb = std::max<int64_t>(1, int64_t(w.row_bytes));
  int64_t g = w.rows / (int64_t(threads) * 8);
  const int64_t lo = std::max<int64_t>(1, (16 << 10) / rb);
  const int64_t hi = std::max<int64_t>(1, (n_tok > kMaxTile ? 256 << 10 : 1 << 20) / rb);
  g = std::clamp(g, std::min(lo, hi), hi);
  return std::max<int64_t>(1, g);
}

void reference_matmul(ThreadPool& pool, const WeightMatrix& w, const FormatDesc& f, const float* x, int64_t n_tok,
                      int64_t ldx, float* y, int64_t ldy) {
  pool.parallel_for(w.rows, row_grain(w, pool.size(), n_tok), [&](int64_t r0, int64_t r1, int) {
    std::vector<float> row(size_t(w.cols));
    for (int64_t r = r0; r < r1; ++r) {
      f.dequantize(w.data + uint64_t(r) * w.row_bytes, row.data(), w.cols);
      for (int64_t t = 0; t < n_tok; ++t) {
        const float* xt = x + t * ldx;
        double s = 0;
        for (int64_t c = 0; c < w.cols; ++c) s += double(row[size_t(c)]) * double(xt[c]);
        y[t * ldy + r] = float(s);
      }
    }
  });
}

}  // namespace

Kernels Kernels::select(Isa requested) {
  const Isa isa = requested == Isa::Auto ? detect_best_isa() : requested;
  FRUGAL_CHECK(cpu_supports(isa), "this CPU does not support the {} kernels", isa_name(isa));
  return Kernels(isa);
}

void Kernels::check_supported(GgmlType type, const std::string& tensor_name) {
  if (!find_format(type)) fail("unsupported tensor type {} in tensor {}", ggml_type_name(uint32_t(type)), tensor_name);
}

void Kernels::dequantize_row(const WeightMatrix& w, int64_t row, float* out) const {
  const FormatDesc& f = format_of(w.type);
  FRUGAL_CHECK(row >= 0 && row < w.rows, "dequantize_row: row {} out of range [0, {})", row, w.rows);
  FRUGAL_CHECK(w.cols % f.block_elems == 0, "dequantize_row: {} columns are not a multiple of the {} block size",
               w.cols, f.name);
  f.dequantize(w.data + uint64_t(row) * w.row_bytes, out, w.cols);
}

void Kernels::matmul(ThreadPool& pool, const WeightMatrix& w, const float* x, int64_t n_tok, int64_t ldx, float* y,
                     int64_t ldy) const {
  const FormatDesc& f = format_of(w.type);
  validate(w, f, n_tok, ldx, ldy);
  if (n_tok == 0 || w.rows == 0) return;
  if (isa_ == Isa::Reference) return reference_matmul(pool, w, f, x, n_tok, ldx, y, ldy);

  const RowDotFn fn = row_dot_for(isa_, w.type);
  ActRows act;
  act.cols = w.cols;
  AlignedBytes buf;
  if (f.act == ActKind::F32) {
    act.xf = x;
    act.ldx = ldx;
  } else {
    act.stride = act_row_bytes(f.act, w.cols);
    buf = alloc_aligned(act.stride * size_t(n_tok));
    act.base = buf.get();
    const auto quantize = isa_ == Isa::Scalar ? quantize_act_row : quantize_act_row_avx2;
    pool.parallel_for(n_tok, 1, [&](int64_t t0, int64_t t1, int) {
      for (int64_t t = t0; t < t1; ++t) quantize(f.act, x + t * ldx, w.cols, buf.get() + size_t(t) * act.stride);
    });
  }
  pool.parallel_for(w.rows, row_grain(w, pool.size(), n_tok), [&](int64_t r0, int64_t r1, int) {
    float out[kMaxTile];
    for (int64_t t0 = 0; t0 < n_tok; t0 += kMaxTile) {
      const int nt = int(std::min<int64_t>(kMaxTile, n_tok - t0));
      const ActRows a = act.shifted(t0);
      for (int64_t r = r0; r < r1; ++r) {
        fn(w.data + uint64_t(r) * w.row_bytes, a, nt, out);
        for (int t = 0; t < nt; ++t) y[(t0 + t) * ldy + r] = out[t];
      }
    }
  });
}

}  // namespace frugal::kernels
