// Matmul entry points: validation, layout dispatch (Plain row dots, Rows16 micro-kernels, the
// Reference oracle), row dequantization, and the repacking hook.
#include "kernels/matmul.h"

#include <algorithm>
#include <vector>

#include "base/arch.h"
#include "base/error.h"
#include "kernels/matmul_internal.h"
#include "kernels/repack/repacker.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

namespace {

void reference_matmul(ThreadPool& pool, const WeightMatrix& w, const FormatDesc& f, const float* x, int64_t n_tok,
                      int64_t ldx, float* y, int64_t ldy) {
  const int64_t grain = std::max<int64_t>(1, w.rows / (int64_t(pool.size()) * 8));
  pool.parallel_for(w.rows, grain, [&](int64_t r0, int64_t r1, int) {
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

void validate_matmul(const WeightMatrix& w, const FormatDesc& f, int64_t n_tok, int64_t ldx, int64_t ldy) {
  FRUGAL_CHECK(w.rows >= 0 && w.cols > 0 && n_tok >= 0, "matmul: bad shape {}x{} with {} tokens", w.rows, w.cols,
               n_tok);
  FRUGAL_CHECK(w.cols % f.block_elems == 0, "matmul: {} columns are not a multiple of the {} block size {}", w.cols,
               f.name, f.block_elems);
  const uint64_t need = uint64_t(w.cols / f.block_elems) * uint64_t(f.block_bytes);
  FRUGAL_CHECK(w.row_bytes >= need, "matmul: row stride {} < {} bytes of a {} row of {}", w.row_bytes, need, f.name,
               w.cols);
  FRUGAL_CHECK(n_tok <= 1 || (ldx >= w.cols && ldy >= w.rows), "matmul: strides ldx={} ldy={} too small", ldx, ldy);
  FRUGAL_CHECK(w.rows == 0 || w.data != nullptr, "matmul: null weight data");
  if (is_rows16(w.layout))
    FRUGAL_CHECK(has_rows16_layout(w.type) && w.rows % kRows16 == 0 && w.row_bytes == need,
                 "matmul: {} rows of {} cannot be in the Rows16 layout", w.rows, f.name);
}

WeightLayout rows16_layout(Isa isa) {
  switch (isa) {
    case Isa::Avx512:
    case Isa::Neon: return WeightLayout::Rows16;
    case Isa::Avx2: return WeightLayout::Rows16Avx2;
    default: return WeightLayout::Plain;
  }
}

Rows16Fn rows16_kernel(Isa isa, WeightLayout layout, GgmlType t) {
  if (!is_rows16(layout) || layout != rows16_layout(isa)) return nullptr;
#if FRUGAL_X86
  if (isa == Isa::Avx512) return avx512_rows16(t);
  if (isa == Isa::Avx2) return avx2_rows16(t);
#elif FRUGAL_ARM64
  if (isa == Isa::Neon) return neon_rows16(t);
#endif
  (void)t;
  return nullptr;
}

// Whether ISA I has a Rows16 kernel for type t in its layout.
template <Isa I>
bool has_rows16_kernel(GgmlType t) {
  return rows16_kernel(I, rows16_layout(I), t) != nullptr;
}

bool runs_rows16(Isa isa, const WeightMatrix& w) { return rows16_kernel(isa, w.layout, w.type) != nullptr; }

std::vector<uint8_t> plain_copy(const WeightMatrix& w) {
  std::vector<uint8_t> out(w.bytes());
  for (int64_t r = 0; r < w.rows; ++r)
    unpack_row16(w.type, w.layout, w.data + uint64_t(r / kRows16) * kRows16 * w.row_bytes, w.cols, int(r % kRows16),
                 out.data() + uint64_t(r) * w.row_bytes);
  return out;
}

Kernels Kernels::select(Isa requested) {
  const Isa isa = requested == Isa::Auto ? detect_best_isa() : requested;
  FRUGAL_CHECK(cpu_supports(isa), "this CPU does not support the {} kernels", isa_name(isa));
  return Kernels(isa);
}

void Kernels::check_supported(GgmlType type, const std::string& tensor_name) {
  if (!find_format(type)) fail("unsupported tensor type {} in tensor {}", ggml_type_name(uint32_t(type)), tensor_name);
}

std::unique_ptr<WeightPreparer> Kernels::weight_preparer(ThreadPool& pool) const {
  // AVX-512, AVX2 and NEON have Rows16 kernels (each in its own layout); NEON not for Q2_K and
  // Q3_K, which it keeps in the file's layout.
  const WeightLayout layout = rows16_layout(isa_);
  if (!is_rows16(layout)) return nullptr;
  bool (*has_kernel)(GgmlType) = isa_ == Isa::Avx512 ? has_rows16_kernel<Isa::Avx512>
                                 : isa_ == Isa::Avx2 ? has_rows16_kernel<Isa::Avx2>
                                                     : has_rows16_kernel<Isa::Neon>;
  return std::make_unique<WeightRepacker>(
      pool, RepackOptions{.layout = layout, .release_sources = true, .has_kernel = has_kernel});
}

void Kernels::dequantize_row(const WeightMatrix& w, int64_t row, float* out) const {
  const FormatDesc& f = format_of(w.type);
  FRUGAL_CHECK(row >= 0 && row < w.rows, "dequantize_row: row {} out of range [0, {})", row, w.rows);
  FRUGAL_CHECK(w.cols % f.block_elems == 0, "dequantize_row: {} columns are not a multiple of the {} block size",
               w.cols, f.name);
  if (w.layout == WeightLayout::Plain) return f.dequantize(w.data + uint64_t(row) * w.row_bytes, out, w.cols);
  std::vector<uint8_t> plain(w.row_bytes);
  unpack_row16(w.type, w.layout, w.data + uint64_t(row / kRows16) * kRows16 * w.row_bytes, w.cols, int(row % kRows16),
               plain.data());
  f.dequantize(plain.data(), out, w.cols);
}

void Kernels::matmul(ThreadPool& pool, const WeightMatrix& w, const float* x, int64_t n_tok, int64_t ldx, float* y,
                     int64_t ldy) const {
  const FormatDesc& f = format_of(w.type);
  validate_matmul(w, f, n_tok, ldx, ldy);
  if (n_tok == 0 || w.rows == 0) return;
  if (is_rows16(w.layout) && !runs_rows16(isa_, w)) {  // no kernel for the layout: a Plain copy
    const auto plain = plain_copy(w);
    WeightMatrix p = w;
    p.data = plain.data();
    p.layout = WeightLayout::Plain;
    return matmul(pool, p, x, n_tok, ldx, y, ldy);
  }
  if (isa_ == Isa::Reference) return reference_matmul(pool, w, f, x, n_tok, ldx, y, ldy);
  const QuantizedActs act(pool, isa_, f.act, x, n_tok, ldx, w.cols);
  const MatmulTask k = make_task(isa_, w, act.rows(), n_tok, y, ldy);
  if (k.streams()) return run_streaming(pool, std::span(&k, 1));
  pool.parallel_for(k.units(), k.grain(pool.size()), [&](int64_t u0, int64_t u1, int) { k.run(u0, u1); });
}

}  // namespace frugal::kernels
