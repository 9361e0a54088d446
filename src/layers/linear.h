// A linear projection y = W x (+ b) over a batch of token rows.
#pragma once

#include <optional>
#include <span>
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
  // The matmul of forward() without the bias, for Kernels::matmul_batch.
  kernels::MatmulJob job(const float* x, int64_t n_tok, float* y) const { return {w, x, n_tok, w.cols, y, w.rows}; }
  // Adds the bias (if any) to n_tok output rows.
  void add_bias(float* y, int64_t n_tok) const;

  // Binds "<name>.weight" (and "<name>.bias" when `bias` is Bias::Optional/Required).
  enum class Bias { None, Optional, Required };
  static Linear bind(WeightBinder& b, const std::string& name, int64_t in, int64_t out, Bias bias = Bias::None);
};

// Several projections of the same input x in one parallel region (one activation
// quantization): outs[i] = linears[i]->forward(x). Equals calling forward() one by one.
void forward_all(const ForwardContext& ctx, const float* x, int64_t n_tok, std::span<const Linear* const> linears,
                 std::span<float* const> outs);

}  // namespace frugal
