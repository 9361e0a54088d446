// Linear projection over a batch of token rows.
#include "layers/linear.h"

#include "kernels/ops.h"

namespace frugal {

void Linear::forward(const ForwardContext& ctx, const float* x, int64_t n_tok, float* y) const {
  ctx.kernels.matmul(ctx.pool, w, x, n_tok, w.cols, y, w.rows);
  if (!bias.empty())
    for (int64_t t = 0; t < n_tok; ++t) kernels::add_inplace(y + t * w.rows, bias.data(), w.rows);
}

Linear Linear::bind(WeightBinder& b, const std::string& name, int64_t in, int64_t out, Bias bias) {
  Linear l;
  l.w = b.matrix(name + ".weight", in, out);
  if (bias == Bias::Required) {
    l.bias = b.vector(name + ".bias", out);
  } else if (bias == Bias::Optional) {
    if (auto v = b.optional_vector(name + ".bias", out)) l.bias = std::move(*v);
  }
  return l;
}

}  // namespace frugal
