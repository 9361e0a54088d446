// RoPE frequency schedules and per-batch cos/sin tables.
#include "layers/rope.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"

namespace frugal {

namespace {
// Dimension index (pair index scaled to n_rot) at which a frequency completes n_rot rotations
// over the original context: YaRN's correction range.
float yarn_corr_dim(int64_t n_rot, int64_t n_ctx_orig, float n_rotations, float base) {
  return float(n_rot) * std::log(float(n_ctx_orig) / (n_rotations * 2.0f * float(M_PI))) / (2.0f * std::log(base));
}
}  // namespace

std::vector<float> rope_inv_freq(const RopeParams& p) {
  const int64_t half = p.n_rot / 2;
  std::vector<float> f(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i) {
    double inv = std::pow(double(p.freq_base), -2.0 * double(i) / double(p.n_rot));
    if (!p.freq_factors.empty()) inv /= double(p.freq_factors[size_t(i)]);
    f[size_t(i)] = float(inv);
  }
  return f;
}

RopeTables::RopeTables(const RopeParams& p, const std::vector<int32_t>& positions) : half_(p.n_rot / 2) {
  FRUGAL_CHECK(p.n_rot > 0 && p.n_rot % 2 == 0, "rope dimension count must be positive and even, got {}", p.n_rot);
  FRUGAL_CHECK(p.freq_factors.empty() || int64_t(p.freq_factors.size()) == half_,
               "rope_freqs has {} entries, expected {}", p.freq_factors.size(), half_);
  const auto inv = rope_inv_freq(p);
  // YaRN: per-pair blend between interpolated (scaled) and extrapolated frequencies.
  std::vector<float> ramp(size_t(half_), 0.0f);
  if (p.yarn.ext_factor != 0.0f) {
    const float lo = std::max(0.0f, std::floor(yarn_corr_dim(p.n_rot, p.yarn.n_ctx_orig, p.yarn.beta_fast, p.freq_base)));
    const float hi = std::min(float(p.n_rot - 1),
                              std::ceil(yarn_corr_dim(p.n_rot, p.yarn.n_ctx_orig, p.yarn.beta_slow, p.freq_base)));
    for (int64_t i = 0; i < half_; ++i) {
      const float y = (float(i) - lo) / std::max(0.001f, hi - lo);
      ramp[size_t(i)] = (1.0f - std::clamp(y, 0.0f, 1.0f)) * p.yarn.ext_factor;
    }
  }
  const size_t n = positions.size() * size_t(half_);
  cos_.resize(n);
  sin_.resize(n);
  for (size_t t = 0; t < positions.size(); ++t) {
    for (int64_t i = 0; i < half_; ++i) {
      const double extrap = double(positions[t]) * double(inv[size_t(i)]);
      const double interp = extrap * double(p.freq_scale);
      const double r = ramp[size_t(i)];
      const double theta = interp * (1.0 - r) + extrap * r;
      cos_[t * size_t(half_) + size_t(i)] = float(std::cos(theta)) * p.yarn.mscale;
      sin_[t * size_t(half_) + size_t(i)] = float(std::sin(theta)) * p.yarn.mscale;
    }
  }
}

void RopeTables::apply(int64_t t, float* x, int64_t n_heads, int64_t head_stride, kernels::RopeMode mode) const {
  for (int64_t h = 0; h < n_heads; ++h) kernels::rope_apply(x + h * head_stride, 2 * half_, cos(t), sin(t), mode);
}

}  // namespace frugal
