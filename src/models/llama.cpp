// Architecture "llama": Llama 2/3, Mistral-style dense models and Mixtral (experts). GQA
// attention with interleaved RoPE (llama3 frequency factors via rope_freqs); SwiGLU feed-forward,
// or softmax-routed experts with renormalised top-k weights when expert_count > 0.
#include "layers/ffn.h"
#include "models/decoder.h"
#include "models/moe_common.h"
#include "models/registry.h"

namespace frugal {

std::unique_ptr<Model> build_llama(WeightBinder& b, const HParams& hp) {
  GqaOptions att = read_gqa_options(hp, kernels::RopeMode::Interleaved);
  auto m = std::make_unique<DecoderModel>(b, hp, read_rope_params(b, hp, att.head_dim, att.rope_mode));
  att.n_rot = m->rope().n_rot;
  const auto attn = [&](const std::string& p, int64_t) { return std::make_unique<GqaAttention>(b, p, att); };
  if (has_experts(hp)) {
    const MoeOptions moe = read_moe_options(hp, att.n_embd, /*default_norm=*/true);
    m->add_layers(b, attn, [&](const std::string& p, int64_t) { return std::make_unique<MoeFfn>(b, p, moe); });
  } else {
    const int64_t n_ff = hp.count("feed_forward_length", 1, 1 << 24);
    m->add_layers(b, attn, [&](const std::string& p, int64_t) { return SwigluFfn::bind(b, p, att.n_embd, n_ff); });
  }
  return m;
}

}  // namespace frugal
