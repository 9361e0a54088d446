// Mixture-of-experts feed-forward block.
#include "layers/moe.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/error.h"
#include "kernels/ops.h"

namespace frugal {

namespace {
// Indices of the k largest values, ties to the lower index, best first.
std::vector<int32_t> top_k(const std::vector<float>& v, int64_t k) {
  std::vector<int32_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int32_t a, int32_t b) {
    return v[size_t(a)] > v[size_t(b)] || (v[size_t(a)] == v[size_t(b)] && a < b);
  });
  idx.resize(size_t(k));
  return idx;
}
}  // namespace

void route_token(const RouterOptions& opt, const float* logits, const float* bias, ExpertChoice* out) {
  const int64_t n = opt.n_expert;
  std::vector<float> score(logits, logits + n);
  if (opt.gating == RouterOptions::Gating::Softmax) {
    kernels::softmax(score.data(), n);
  } else {
    for (auto& s : score) s = 1.0f / (1.0f + std::exp(-s));
  }
  std::vector<float> sel = score;  // what selection ranks by
  if (bias)
    for (int64_t e = 0; e < n; ++e) sel[size_t(e)] += bias[e];
  if (opt.n_group > 1 && opt.n_group_used < opt.n_group) {
    const int64_t per = n / opt.n_group;
    std::vector<float> gscore(size_t(opt.n_group));
    for (int64_t g = 0; g < opt.n_group; ++g) {
      std::vector<float> grp(sel.begin() + g * per, sel.begin() + (g + 1) * per);
      std::sort(grp.begin(), grp.end(), std::greater<float>());
      gscore[size_t(g)] = opt.gating == RouterOptions::Gating::Sigmoid && per >= 2 ? grp[0] + grp[1] : grp[0];
    }
    std::vector<uint8_t> keep(size_t(opt.n_group), 0);
    for (int32_t g : top_k(gscore, opt.n_group_used)) keep[size_t(g)] = 1;
    for (int64_t e = 0; e < n; ++e)
      if (!keep[size_t(e / per)]) sel[size_t(e)] = -INFINITY;
  }
  const auto chosen = top_k(sel, opt.n_expert_used);
  float sum = 0;
  for (int64_t i = 0; i < opt.n_expert_used; ++i) {
    out[i] = {chosen[size_t(i)], score[size_t(chosen[size_t(i)])]};
    sum += out[i].weight;
  }
  for (int64_t i = 0; i < opt.n_expert_used; ++i) {
    if (opt.normalize_weights && sum > 0) out[i].weight /= sum;
    out[i].weight *= opt.weights_scale;
  }
}

MoeFfn::MoeFfn(WeightBinder& b, const std::string& prefix, const MoeOptions& opt) : opt_(opt) {
  const auto& r = opt.router;
  const std::string& path = b.file().path();
  FRUGAL_CHECK(r.n_expert > 0 && r.n_expert_used > 0 && r.n_expert_used <= r.n_expert,
               "{}: expert_used_count {} must be in [1, expert_count = {}]", path, r.n_expert_used, r.n_expert);
  FRUGAL_CHECK(r.n_group >= 1 && r.n_expert % r.n_group == 0 && r.n_group_used >= 1 && r.n_group_used <= r.n_group,
               "{}: expert_group_count {} / expert_group_used_count {} do not divide expert_count {}", path, r.n_group,
               r.n_group_used, r.n_expert);
  FRUGAL_CHECK(r.n_group == 1 || r.n_expert_used <= r.n_group_used * (r.n_expert / r.n_group),
               "{}: expert_used_count {} exceeds the experts in the {} groups used", path, r.n_expert_used,
               r.n_group_used);
  router_ = b.matrix(prefix + "ffn_gate_inp.weight", opt.n_embd, r.n_expert);
  if (opt.selection_bias) sel_bias_ = b.vector(prefix + "exp_probs_b.bias", r.n_expert);
  gate_ = b.experts(prefix + "ffn_gate_exps.weight", opt.n_embd, opt.n_ff_exp, r.n_expert);
  up_ = b.experts(prefix + "ffn_up_exps.weight", opt.n_embd, opt.n_ff_exp, r.n_expert);
  down_ = b.experts(prefix + "ffn_down_exps.weight", opt.n_ff_exp, opt.n_embd, r.n_expert);
  if (opt.n_ff_shared > 0) {
    shared_ = std::make_unique<SwigluFfn>(Linear::bind(b, prefix + "ffn_gate_shexp", opt.n_embd, opt.n_ff_shared),
                                          Linear::bind(b, prefix + "ffn_up_shexp", opt.n_embd, opt.n_ff_shared),
                                          Linear::bind(b, prefix + "ffn_down_shexp", opt.n_ff_shared, opt.n_embd));
    if (opt.shared_gate) shared_gate_ = Linear::bind(b, prefix + "ffn_gate_inp_shexp", opt.n_embd, 1);
  }
}

uint64_t MoeFfn::active_weight_bytes() const {
  const uint64_t per_expert = gate_.first.bytes() + up_.first.bytes() + down_.first.bytes();
  uint64_t b = router_.bytes() + per_expert * uint64_t(opt_.router.n_expert_used);
  if (shared_) b += shared_->active_weight_bytes();
  if (shared_gate_) b += shared_gate_->w.bytes();
  return b;
}

// Runs expert e over its tokens `toks` (rows of x) and adds weight * result into out rows.
void MoeFfn::run_expert(const ForwardContext& ctx, int64_t e, const std::vector<int32_t>& toks,
                        const std::vector<float>& weights, const float* x, float* out) const {
  const int64_t n = int64_t(toks.size()), E = opt_.n_embd, F = opt_.n_ff_exp;
  auto xs = alloc_floats(n * E);  // gathered inputs [n, E]
  for (int64_t i = 0; i < n; ++i) std::copy(x + toks[size_t(i)] * E, x + (toks[size_t(i)] + 1) * E, xs.get() + i * E);
  auto g = alloc_floats(n * F);  // [n, F]
  auto u = alloc_floats(n * F);  // [n, F]
  ctx.kernels.matmul(ctx.pool, gate_.expert(e), xs.get(), n, E, g.get(), F);
  ctx.kernels.matmul(ctx.pool, up_.expert(e), xs.get(), n, E, u.get(), F);
  kernels::silu_mul(g.get(), u.get(), g.get(), n * F);
  auto y = alloc_floats(n * E);  // [n, E]
  ctx.kernels.matmul(ctx.pool, down_.expert(e), g.get(), n, F, y.get(), E);
  for (int64_t i = 0; i < n; ++i) kernels::axpy(out + toks[size_t(i)] * E, weights[size_t(i)], y.get() + i * E, E);
}

void MoeFfn::forward(const ForwardContext& ctx, const float* x, int64_t n_tok, float* out) const {
  const auto& r = opt_.router;
  const int64_t E = opt_.n_embd, X = r.n_expert, K = r.n_expert_used;
  auto logits = alloc_floats(n_tok * X);  // router outputs [n_tok, X], F32
  ctx.kernels.matmul(ctx.pool, router_, x, n_tok, E, logits.get(), X);
  std::vector<ExpertChoice> choice(static_cast<size_t>(n_tok * K));
  for (int64_t t = 0; t < n_tok; ++t)
    route_token(r, logits.get() + t * X, sel_bias_.empty() ? nullptr : sel_bias_.data(), choice.data() + t * K);
  // Group tokens by expert so each expert's weights are read once per batch.
  std::vector<std::vector<int32_t>> toks(static_cast<size_t>(X));
  std::vector<std::vector<float>> wts(static_cast<size_t>(X));
  for (int64_t t = 0; t < n_tok; ++t)
    for (int64_t k = 0; k < K; ++k) {
      const ExpertChoice& c = choice[size_t(t * K + k)];
      toks[size_t(c.expert)].push_back(int32_t(t));
      wts[size_t(c.expert)].push_back(c.weight);
    }
  std::fill(out, out + n_tok * E, 0.0f);
  for (int64_t e = 0; e < X; ++e)
    if (!toks[size_t(e)].empty()) run_expert(ctx, e, toks[size_t(e)], wts[size_t(e)], x, out);
  if (!shared_) return;
  auto s = alloc_floats(n_tok * E);  // shared expert output [n_tok, E]
  shared_->forward(ctx, x, n_tok, s.get());
  std::vector<float> gate(static_cast<size_t>(n_tok), 1.0f);
  if (shared_gate_) {
    shared_gate_->forward(ctx, x, n_tok, gate.data());
    for (auto& v : gate) v = 1.0f / (1.0f + std::exp(-v));
  }
  for (int64_t t = 0; t < n_tok; ++t) kernels::axpy(out + t * E, gate[size_t(t)], s.get() + t * E, E);
}

}  // namespace frugal
