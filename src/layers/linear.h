// A linear projection y = W x (+ b) over a batch of token rows.
#pragma once

#include <optional>
#include <vector>

#include "layers/context.h"
#include "tensor/binder.h"

namespace frugal {

struct Linear {
  WeightMatrix w;           // rows = out features, cols = in features
  std::vector<float> bias;  // empty or rows entries

  int64_t in() const { return w.cols; }
  int64_t out() const { return w.rows; }
  // x: [n_tok, in()] -> y: [n_tok, out()]
  void forward(const ForwardContext& ctx, const float* x, int64_t n_tok, float* y) const;

  // Binds "<name>.weight" (and "<name>.bias" when `bias` is Bias::Optional/Required).
  enum class Bias { None, Optional, Required };
  static Linear bind(WeightBinder& b, const std::string& name, int64_t in, int64_t out, Bias bias = Bias::None);
};

}  // namespace frugal
