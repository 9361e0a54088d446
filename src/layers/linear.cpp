// Linear projection over a batch of token rows.
#include "layers/linear.h"

#include <vector>

#include "base/error.h"
#include "kernels/ops.h"

namespace frugal {

void Linear::forward(const ForwardContext& ctx, const float* x, int64_t n_tok, float* y) const {
  ctx.kernels.matmul(ctx.pool, w, x, n_tok, w.cols, y, w.rows);
  add_bias(y, n_tok);
}

void Linear::add_bias(float* y, int64_t n_tok) const {
  if (!bias.empty())
    for (int64_t t = 0; t < n_tok; ++t) kernels::add_inplace(y + t * w.rows, bias.data(), w.rows);
}

void forward_all(const ForwardContext& ctx, const float* x, int64_t n_tok, std::span<const Linear* const> linears,
                 std::span<float* const> outs) {
  FRUGAL_CHECK(linears.size() == outs.size(), "forward_all: {} projections but {} outputs", linears.size(),
               outs.size());
  std::vector<kernels::MatmulJob> jobs;
  jobs.reserve(linears.size());
  for (size_t i = 0; i < linears.size(); ++i) jobs.push_back(linears[i]->job(x, n_tok, outs[i]));
  ctx.kernels.matmul_batch(ctx.pool, jobs);
  for (size_t i = 0; i < linears.size(); ++i) linears[i]->add_bias(outs[i], n_tok);
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
