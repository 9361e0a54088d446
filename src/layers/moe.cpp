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

WeightUse MoeFfn::active_weight_use() const {
  const WeightUse per_expert = use_of(gate_.first) + use_of(up_.first) + use_of(down_.first);
  WeightUse u = use_of(router_) + per_expert * uint64_t(opt_.router.n_expert_used);
  if (shared_) u += shared_->active_weight_use();
  if (shared_gate_) u += use_of(shared_gate_->w);
  return u;
}

// The batch's (token, expert) pairs grouped by expert: rows [first[i], first[i] + count[i])
// of the gathered matrices belong to expert experts[i]; row j holds token tok[j], weight wt[j].
struct MoeFfn::Plan {
  std::vector<int32_t> experts;
  std::vector<int64_t> first, count;
  std::vector<int32_t> tok;
  std::vector<float> wt;
  std::vector<int64_t> rows_of;  // token t's rows at [t * K, t * K + K), ascending
};

MoeFfn::Plan MoeFfn::route(const ForwardContext& ctx, const float* x, int64_t n_tok) const {
  const auto& r = opt_.router;
  const int64_t X = r.n_expert, K = r.n_expert_used;
  auto logits = alloc_floats(ctx, n_tok * X);  // router outputs [n_tok, X], F32
  ctx.kernels.matmul(ctx.pool, router_, x, n_tok, opt_.n_embd, logits.get(), X);
  std::vector<ExpertChoice> choice(static_cast<size_t>(n_tok * K));
  for (int64_t t = 0; t < n_tok; ++t)
    route_token(r, logits.get() + t * X, sel_bias_.empty() ? nullptr : sel_bias_.data(), choice.data() + t * K);
  std::vector<int64_t> per(static_cast<size_t>(X), 0);
  for (const ExpertChoice& c : choice) ++per[size_t(c.expert)];
  Plan p;
  std::vector<int64_t> next(static_cast<size_t>(X), 0);
  int64_t row = 0;
  for (int64_t e = 0; e < X; ++e) {
    next[size_t(e)] = row;
    if (per[size_t(e)] == 0) continue;
    p.experts.push_back(int32_t(e));
    p.first.push_back(row);
    p.count.push_back(per[size_t(e)]);
    row += per[size_t(e)];
  }
  p.tok.resize(size_t(row));
  p.wt.resize(size_t(row));
  p.rows_of.resize(size_t(n_tok * K));
  for (int64_t t = 0; t < n_tok; ++t) {  // tokens in order within each expert
    for (int64_t k = 0; k < K; ++k) {
      const ExpertChoice& c = choice[size_t(t * K + k)];
      const int64_t j = next[size_t(c.expert)]++;
      p.tok[size_t(j)] = int32_t(t);
      p.wt[size_t(j)] = c.weight;
      p.rows_of[size_t(t * K + k)] = j;
    }
    std::sort(p.rows_of.begin() + t * K, p.rows_of.begin() + (t + 1) * K);
  }
  return p;
}

// Every active expert (and the shared expert) runs in two parallel regions, gate and up
// projections, then down projections, so the threads share uneven expert loads.
void MoeFfn::forward(const ForwardContext& ctx, const float* x, int64_t n_tok, float* out) const {
  const int64_t E = opt_.n_embd, F = opt_.n_ff_exp, S = opt_.n_ff_shared;
  const Plan p = route(ctx, x, n_tok);
  const int64_t rows = int64_t(p.tok.size());
  auto g = alloc_floats(ctx, rows * F + n_tok * S);  // gate outputs, experts' rows then the shared expert's
  auto u = alloc_floats(ctx, rows * F + n_tok * S);
  float* gs = g.get() + rows * F;
  float* us = u.get() + rows * F;
  std::vector<float> shared_gate(static_cast<size_t>(n_tok), 1.0f);
  std::vector<kernels::MatmulJob> jobs;
  auto y = alloc_floats(ctx, rows * E + (shared_ ? n_tok * E : 0));  // down outputs: experts' rows, shared
  for (size_t i = 0; i < p.experts.size(); ++i) {
    const int64_t e = p.experts[i], r0 = p.first[i], n = p.count[i];
    const int32_t* tok = p.tok.data() + r0;  // the expert's tokens: rows of x read in place
    jobs.push_back({gate_.expert(e), x, n, E, g.get() + r0 * F, F, tok});
    jobs.push_back({up_.expert(e), x, n, E, u.get() + r0 * F, F, tok});
  }
  if (shared_) {
    jobs.push_back(shared_->gate().job(x, n_tok, gs));
    jobs.push_back(shared_->up().job(x, n_tok, us));
    if (shared_gate_) jobs.push_back(shared_gate_->job(x, n_tok, shared_gate.data()));
  }
  ctx.kernels.matmul_batch(ctx.pool, jobs);
  const int64_t hidden = rows * F + n_tok * S;
  ctx.pool.parallel_for(hidden, 16384, [&](int64_t b, int64_t e, int) {
    kernels::silu_mul(g.get() + b, u.get() + b, g.get() + b, e - b);
  });
  float* ys = y.get() + rows * E;
  jobs.clear();
  for (size_t i = 0; i < p.experts.size(); ++i) {
    const int64_t e = p.experts[i], r0 = p.first[i], n = p.count[i];
    jobs.push_back({down_.expert(e), g.get() + r0 * F, n, F, y.get() + r0 * E, E});
  }
  if (shared_) jobs.push_back(shared_->down().job(gs, n_tok, ys));
  ctx.kernels.matmul_batch(ctx.pool, jobs);
  // out[t] = sum of its experts' rows in row order (ascending expert), then the shared expert.
  const int64_t K = opt_.router.n_expert_used;
  ctx.pool.parallel_for(n_tok, 4, [&](int64_t b, int64_t e, int) {
    for (int64_t t = b; t < e; ++t) {
      float* o = out + t * E;
      std::fill(o, o + E, 0.0f);
      for (int64_t k = 0; k < K; ++k) {
        const int64_t j = p.rows_of[size_t(t * K + k)];
        kernels::axpy(o, p.wt[size_t(j)], y.get() + j * E, E);
      }
      if (!shared_) continue;
      const float sg = shared_gate_ ? 1.0f / (1.0f + std::exp(-shared_gate[size_t(t)])) : shared_gate[size_t(t)];
      kernels::axpy(o, sg, ys + t * E, E);
    }
  });
}

}  // namespace frugal
