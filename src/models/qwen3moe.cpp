// Architecture "qwen3moe": Qwen3-30B-A3B / 235B-A22B. Qwen3 attention (per-head q/k norms,
// rotate-half RoPE); every layer is a softmax-routed mixture of experts with normalised top-k
// weights and no shared expert.
#include "models/decoder.h"
#include "models/moe_common.h"
#include "models/registry.h"

namespace frugal {

std::unique_ptr<Model> build_qwen3moe(WeightBinder& b, const HParams& hp) {
  GqaOptions att = read_gqa_options(hp, kernels::RopeMode::Neox);
  att.qk_norm = GqaOptions::QkNorm::PerHead;
  auto m = std::make_unique<DecoderModel>(b, hp, read_rope_params(b, hp, att.head_dim, att.rope_mode));
  att.n_rot = m->rope().n_rot;
  att.norm_eps = m->norm_eps();
  const MoeOptions moe = read_moe_options(hp, att.n_embd, /*default_norm=*/true);
  m->add_layers(
      b, [&](const std::string& p, int64_t) { return std::make_unique<GqaAttention>(b, p, att); },
      [&](const std::string& p, int64_t) { return std::make_unique<MoeFfn>(b, p, moe); });
  return m;
}

}  // namespace frugal
