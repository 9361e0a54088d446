// Architecture "olmoe": OLMoE-1B-7B. Attention with RMSNorm over the whole q and k projections,
// rotate-half RoPE; softmax-routed experts, top-k weights not renormalised.
#include "models/decoder.h"
#include "models/moe_common.h"
#include "models/registry.h"

namespace frugal {

std::unique_ptr<Model> build_olmoe(WeightBinder& b, const HParams& hp) {
  GqaOptions att = read_gqa_options(hp, kernels::RopeMode::Neox);
  att.qk_norm = GqaOptions::QkNorm::Full;
  auto m = std::make_unique<DecoderModel>(b, hp, read_rope_params(b, hp, att.head_dim, att.rope_mode));
  att.n_rot = m->rope().n_rot;
  att.norm_eps = m->norm_eps();
  const MoeOptions moe = read_moe_options(hp, att.n_embd, /*default_norm=*/false);
  m->add_layers(
      b, [&](const std::string& p, int64_t) { return std::make_unique<GqaAttention>(b, p, att); },
      [&](const std::string& p, int64_t) { return std::make_unique<MoeFfn>(b, p, moe); });
  return m;
}

}  // namespace frugal
