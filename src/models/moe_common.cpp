// Mixture-of-experts hyperparameters.
#include "models/moe_common.h"

#include "base/error.h"

namespace frugal {

bool has_experts(const HParams& hp) { return hp.count_or("expert_count", 0, 0, 1 << 16) > 0; }

MoeOptions read_moe_options(const HParams& hp, int64_t n_embd, bool default_norm) {
  MoeOptions m;
  m.n_embd = n_embd;
  auto& r = m.router;
  r.n_expert = hp.count("expert_count", 1, 1 << 16);
  r.n_expert_used = hp.count("expert_used_count", 1, 1 << 16);
  FRUGAL_CHECK(r.n_expert_used <= r.n_expert, "{}: {} = {} exceeds {} = {}", hp.file().path(),
               hp.key("expert_used_count"), r.n_expert_used, hp.key("expert_count"), r.n_expert);
  m.n_ff_exp = hp.count_or("expert_feed_forward_length", 0, 0, 1 << 24);
  if (m.n_ff_exp == 0) m.n_ff_exp = hp.count("feed_forward_length", 1, 1 << 24);
  const int64_t gating = hp.count_or("expert_gating_func", 1, 1, 2);
  r.gating = gating == 2 ? RouterOptions::Gating::Sigmoid : RouterOptions::Gating::Softmax;
  r.normalize_weights = hp.flag_or("expert_weights_norm", default_norm);
  r.weights_scale = float(hp.real_or("expert_weights_scale", 1.0));
  FRUGAL_CHECK(r.weights_scale > 0.0f, "{}: {} must be positive", hp.file().path(), hp.key("expert_weights_scale"));
  r.n_group = hp.count_or("expert_group_count", 1, 1, r.n_expert);
  r.n_group_used = hp.count_or("expert_group_used_count", r.n_group, 1, r.n_group);
  return m;
}

}  // namespace frugal
