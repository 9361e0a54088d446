// TransposedCodes: the block formats' affine split (formats.h), transposed at load.
#include "kernels/transposed_codes.h"

#include "base/arch.h"
#include "base/error.h"
#include "kernels/ops.h"
#include "kernels/quant/formats.h"
#include "kernels/repack/rows16.h"

namespace frugal::kernels {

std::optional<TransposedCodes> TransposedCodes::make(const WeightMatrix& w, int64_t r0, int64_t n_rows) {
  const FormatDesc& f = format_of(w.type);
  if (!f.affine) return std::nullopt;
  FRUGAL_CHECK(r0 >= 0 && n_rows > 0 && r0 + n_rows <= w.rows && w.cols % f.block_elems == 0,
               "transposed codes: rows [{}, {}) of a {}x{} {} matrix", r0, r0 + n_rows, w.rows, w.cols, f.name);
  TransposedCodes t;
  t.rows_ = n_rows, t.cols_ = w.cols, t.group_ = f.affine_group;
  const int64_t groups = w.cols / t.group_;
  t.codes_.resize(size_t(w.cols * n_rows));
  t.scale_.resize(size_t(groups * n_rows));
  t.bias_.resize(size_t(groups * n_rows));
  std::vector<uint8_t> plain(w.row_bytes);
  std::vector<int8_t> codes(size_t(w.cols));
  std::vector<float> scale(static_cast<size_t>(groups)), bias(static_cast<size_t>(groups));
  for (int64_t r = 0; r < n_rows; ++r) {
    const int64_t row = r0 + r;
    const uint8_t* src = w.data + uint64_t(row) * w.row_bytes;
    if (is_rows16(w.layout)) {
      unpack_row16(w.type, w.layout, w.data + uint64_t(row / kRows16) * kRows16 * w.row_bytes, w.cols, int(row % kRows16),
                   plain.data());
      src = plain.data();
    }
    f.affine(src, codes.data(), scale.data(), bias.data(), w.cols);
    for (int64_t c = 0; c < w.cols; ++c) t.codes_[size_t(c * n_rows + r)] = codes[size_t(c)];
    for (int64_t g = 0; g < groups; ++g) {
      t.scale_[size_t(g * n_rows + r)] = scale[size_t(g)];
      t.bias_[size_t(g * n_rows + r)] = bias[size_t(g)];
      t.has_bias_ = t.has_bias_ || bias[size_t(g)] != 0.0f;
    }
  }
  return t;
}

void TransposedCodes::apply(Isa isa, const float* x, float* y) const {
#if FRUGAL_X86
  const bool avx512 = isa == Isa::Avx512 && rows_ % 16 == 0, avx2 = isa == Isa::Avx2 && rows_ % 8 == 0;
#else
  (void)isa;
#endif
  std::vector<float> xs(static_cast<size_t>(rows_));
  for (int64_t g = 0; g < cols_ / group_; ++g) {
    const float* sc = scale_.data() + g * rows_;
    const float* bi = bias_.data() + g * rows_;
    const int8_t* codes = codes_.data() + g * group_ * rows_;
#if FRUGAL_X86
    if (avx512 || avx2) {
      for (int64_t r = 0; r < rows_; ++r) xs[size_t(r)] = sc[r] * x[r];
      const float b = has_bias_ ? dot(bi, x, rows_) : 0.0f;  // dot: vectorised partial sums
      (avx512 ? codes_dot_avx512 : codes_dot_avx2)(codes, rows_, xs.data(), b, y + g * group_, group_);
      continue;
    }
#endif
    double b = 0;
    for (int64_t r = 0; r < rows_; ++r) b += double(bi[r]) * double(x[r]);
    for (int64_t c = 0; c < group_; ++c) {
      double s = b;
      for (int64_t r = 0; r < rows_; ++r) s += double(sc[r]) * double(codes[c * rows_ + r]) * double(x[r]);
      y[g * group_ + c] = float(s);
    }
  }
}

}  // namespace frugal::kernels
