// Multi-head latent attention (DeepSeek-V2/V3): the cache holds only the normalised KV latent
// (kv_lora_rank) and the shared RoPE key (qk_rope dims) per token. Decoding uses the absorbed
// formulation (queries mapped into latent space, values mapped out after the weighted sum);
// prompt batches can use the naive one (keys/values decompressed from the latent cache).
#pragma once

#include <vector>

#include "kernels/transposed_codes.h"
#include "layers/block.h"
#include "layers/linear.h"

namespace frugal {

struct MlaOptions {
  int64_t n_embd = 0;
  int64_t n_head = 0;
  int64_t q_lora_rank = 0;  // 0: q projected directly (V2-Lite)
  int64_t kv_lora_rank = 0;
  int64_t qk_nope = 0;      // per-head key dims without RoPE
  int64_t qk_rope = 0;      // per-head (queries) / shared (key) RoPE dims
  int64_t v_head = 0;
  float norm_eps = 1e-6f;
  float kq_scale = 0.0f;    // softmax scale (YaRN mscale^2 / sqrt(qk_nope + qk_rope))
  enum class Mode { Auto, Naive, Absorbed } mode = Mode::Auto;  // Auto: naive for batches of >= 16 tokens
};

class MlaAttention final : public AttentionBlock {
 public:
  MlaAttention(WeightBinder& b, const std::string& prefix, const MlaOptions& opt);
  void forward(const ForwardContext& ctx, const AttentionInput& in, const float* x, float* out) const override;
  KvLayerShape kv_shape() const override { return {opt_.kv_lora_rank + opt_.qk_rope, 0}; }
  WeightUse weight_use() const override;

 private:
  void project(const ForwardContext& ctx, const AttentionInput& in, const float* x, float* q) const;
  void attend_absorbed(const ForwardContext& ctx, const AttentionInput& in, const float* q, float* o) const;
  void attend_naive(const ForwardContext& ctx, const AttentionInput& in, const float* q, float* o) const;
  WeightMatrix v_rows(int64_t h) const;  // rows of kv_b producing head h's values

  MlaOptions opt_;
  Linear wq_, wq_a_, wq_b_, wkv_a_, wkv_b_, wo_;
  std::vector<float> q_a_norm_, kv_a_norm_;
  // Absorbed key weights W_UK^T per head: kv_b's codes transposed (block formats), or a float
  // copy k_b_t_[h][c][r] (float formats).
  std::vector<kernels::TransposedCodes> k_b_codes_;
  std::vector<float> k_b_t_;
};

}  // namespace frugal
