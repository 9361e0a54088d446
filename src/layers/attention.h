// Grouped-query attention (MHA/GQA/MQA) with optional q/k/v biases and q/k RMS norms.
#pragma once

#include "layers/block.h"
#include "layers/linear.h"

namespace frugal {

struct GqaOptions {
  int64_t n_embd = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;  // per head, for q, k and v
  kernels::RopeMode rope_mode = kernels::RopeMode::Interleaved;
  int64_t n_rot = 0;     // rotated dims per head (<= head_dim)
  enum class QkNorm { None, PerHead, Full } qk_norm = QkNorm::None;  // Qwen3: PerHead; OLMoE: Full
  float norm_eps = 1e-6f;
  Linear::Bias bias = Linear::Bias::None;  // Qwen2: Required on q, k, v
};

class GqaAttention final : public AttentionBlock {
 public:
  // Binds "<prefix>attn_q/attn_k/attn_v/attn_output[.bias]" and q/k norms as the options say.
  GqaAttention(WeightBinder& b, const std::string& prefix, const GqaOptions& opt);
  void forward(const ForwardContext& ctx, const AttentionInput& in, const float* x, float* out) const override;
  KvLayerShape kv_shape() const override;
  WeightUse weight_use() const override {
    return use_of(wq_.w) + use_of(wk_.w) + use_of(wv_.w) + use_of(wo_.w);
  }

 private:
  void project_qkv(const ForwardContext& ctx, const AttentionInput& in, const float* x, float* q) const;
  void attend(const ForwardContext& ctx, const AttentionInput& in, const float* q, float* o) const;
  void attend_ranges(const ForwardContext& ctx, const AttentionInput& in, const float* q, float* o) const;

  GqaOptions opt_;
  Linear wq_, wk_, wv_, wo_;
  std::vector<float> q_norm_, k_norm_;
};

}  // namespace frugal
