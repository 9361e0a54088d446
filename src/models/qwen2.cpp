// Architecture "qwen2": Qwen2 / Qwen2.5. GQA attention with q/k/v biases, rotate-half RoPE,
// SwiGLU feed-forward.
#include "layers/ffn.h"
#include "models/decoder.h"
#include "models/registry.h"

namespace frugal {

std::unique_ptr<Model> build_qwen2(WeightBinder& b, const HParams& hp) {
  GqaOptions att = read_gqa_options(hp, kernels::RopeMode::Neox);
  att.bias = Linear::Bias::Required;
  auto m = std::make_unique<DecoderModel>(b, hp, read_rope_params(b, hp, att.head_dim, att.rope_mode));
  att.n_rot = m->rope().n_rot;
  const int64_t n_ff = hp.count("feed_forward_length", 1, 1 << 24);
  m->add_layers(
      b, [&](const std::string& p, int64_t) { return std::make_unique<GqaAttention>(b, p, att); },
      [&](const std::string& p, int64_t) { return SwigluFfn::bind(b, p, att.n_embd, n_ff); });
  return m;
}

}  // namespace frugal
