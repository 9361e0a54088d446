// Architecture "qwen2moe": Qwen1.5-MoE / Qwen2-57B-A14B. Qwen2 attention (q/k/v biases,
// rotate-half RoPE); softmax-routed experts (weights not renormalised) plus a shared expert
// scaled by a sigmoid gate.
#include "models/decoder.h"
#include "models/moe_common.h"
#include "models/registry.h"

namespace frugal {

std::unique_ptr<Model> build_qwen2moe(WeightBinder& b, const HParams& hp) {
  GqaOptions att = read_gqa_options(hp, kernels::RopeMode::Neox);
  att.bias = Linear::Bias::Required;
  auto m = std::make_unique<DecoderModel>(b, hp, read_rope_params(b, hp, att.head_dim, att.rope_mode));
  att.n_rot = m->rope().n_rot;
  MoeOptions moe = read_moe_options(hp, att.n_embd, /*default_norm=*/false);
  moe.n_ff_shared = hp.count_or("expert_shared_feed_forward_length", 0, 0, 1 << 24);
  moe.shared_gate = moe.n_ff_shared > 0;
  m->add_layers(
      b, [&](const std::string& p, int64_t) { return std::make_unique<GqaAttention>(b, p, att); },
      [&](const std::string& p, int64_t) { return std::make_unique<MoeFfn>(b, p, moe); });
  return m;
}

}  // namespace frugal
