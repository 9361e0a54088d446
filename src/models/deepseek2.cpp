// Architecture "deepseek2": DeepSeek-V2, V2-Lite, V2.5, V3, R1. Multi-head latent attention
// (optional q LoRA, decoupled interleaved RoPE dims, YaRN with mscale^2 softmax scaling);
// leading dense layers, then routed experts (softmax or sigmoid+bias gating, group-limited
// routing) plus shared experts.
#include <cmath>

#include "layers/ffn.h"
#include "layers/mla.h"
#include "models/decoder.h"
#include "models/moe_common.h"
#include "models/registry.h"

namespace frugal {

namespace {
MlaOptions read_mla_options(const HParams& hp, int64_t n_embd, const RopeParams& rope, float eps) {
  MlaOptions o;
  o.n_embd = n_embd;
  o.n_head = hp.count("attention.head_count", 1, 1 << 14);
  o.q_lora_rank = hp.count_or("attention.q_lora_rank", 0, 0, 1 << 20);
  o.kv_lora_rank = hp.count("attention.kv_lora_rank", 1, 1 << 20);
  o.qk_rope = rope.n_rot;
  const int64_t k_len = hp.count("attention.key_length", o.qk_rope + 1, 1 << 14);
  o.qk_nope = k_len - o.qk_rope;
  o.v_head = hp.count("attention.value_length", 1, 1 << 14);
  o.norm_eps = eps;
  // YaRN: softmax scale mscale^2 / sqrt(d_k) with mscale = 1 + log_mul * ln(factor).
  float mscale = 1.0f;
  if (rope.freq_scale < 1.0f)
    mscale = float(1.0 + hp.real_or("rope.scaling.yarn_log_multiplier", 0.1) * std::log(1.0 / rope.freq_scale));
  o.kq_scale = mscale * mscale / std::sqrt(float(k_len));
  return o;
}
}  // namespace

std::unique_ptr<Model> build_deepseek2(WeightBinder& b, const HParams& hp) {
  const int64_t n_embd = hp.count("embedding_length", 1, 1 << 20);
  RopeParams rope = read_rope_params(b, hp, hp.count("rope.dimension_count", 2, 1 << 14), kernels::RopeMode::Interleaved);
  rope.yarn.mscale = 1.0f;  // DeepSeek puts YaRN's temperature into the softmax scale instead
  auto m = std::make_unique<DecoderModel>(b, hp, rope);
  const MlaOptions mla = read_mla_options(hp, n_embd, rope, m->norm_eps());
  const int64_t n_dense = hp.count_or("leading_dense_block_count", 0, 0, m->n_layer_expected());
  const int64_t n_ff = n_dense > 0 ? hp.count("feed_forward_length", 1, 1 << 24) : 0;
  MoeOptions moe = read_moe_options(hp, n_embd, /*default_norm=*/false);
  moe.n_ff_shared = moe.n_ff_exp * hp.count_or("expert_shared_count", 0, 0, 1 << 10);
  moe.selection_bias = moe.router.gating == RouterOptions::Gating::Sigmoid;
  m->add_layers(
      b, [&](const std::string& p, int64_t) { return std::make_unique<MlaAttention>(b, p, mla); },
      [&](const std::string& p, int64_t i) -> std::unique_ptr<FfnBlock> {
        if (i < n_dense) return SwigluFfn::bind(b, p, n_embd, n_ff);
        return std::make_unique<MoeFfn>(b, p, moe);
      });
  return m;
}

}  // namespace frugal
