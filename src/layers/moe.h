// Mixture-of-experts feed-forward: a router picks experts per token (F32 routing), tokens are
// grouped by expert so each expert runs once over all its tokens, outputs are weighted and summed.
// Optional shared experts run on every token (DeepSeek; Qwen2-MoE with a sigmoid gate).
#pragma once

#include <memory>
#include <optional>

#include "layers/block.h"
#include "layers/ffn.h"
#include "layers/linear.h"

namespace frugal {

struct RouterOptions {
  int64_t n_expert = 0;
  int64_t n_expert_used = 0;
  enum class Gating { Softmax, Sigmoid } gating = Gating::Softmax;
  bool normalize_weights = false;  // divide the chosen weights by their sum
  float weights_scale = 1.0f;      // DeepSeek routed_scaling_factor
  // Group-limited routing: experts in n_group groups; only the best n_group_used groups compete.
  // Group score: best expert (softmax gating) or sum of the best two (sigmoid gating, DeepSeek-V3).
  int64_t n_group = 1;
  int64_t n_group_used = 1;
};

struct ExpertChoice {
  int32_t expert;
  float weight;
};

// Picks experts for one token. `logits`: n_expert router outputs; `bias`: optional selection
// bias (DeepSeek-V3 exp_probs_b: shifts which experts are chosen, not their weights).
// Writes n_expert_used choices, best first. Ties go to the lower expert index.
void route_token(const RouterOptions& opt, const float* logits, const float* bias, ExpertChoice* out);

struct MoeOptions {
  int64_t n_embd = 0;
  int64_t n_ff_exp = 0;     // hidden size of one routed expert
  RouterOptions router;
  int64_t n_ff_shared = 0;  // hidden size of the shared expert(s) (0: none)
  bool shared_gate = false; // Qwen2-MoE: sigmoid(x . w) scales the shared expert
  bool selection_bias = false;  // DeepSeek-V3: exp_probs_b.bias
};

class MoeFfn final : public FfnBlock {
 public:
  // Binds "<prefix>ffn_gate_inp", "ffn_{gate,up,down}_exps" and, as the options say,
  // "ffn_{gate,up,down}_shexp", "ffn_gate_inp_shexp", "exp_probs_b.bias".
  MoeFfn(WeightBinder& b, const std::string& prefix, const MoeOptions& opt);
  void forward(const ForwardContext& ctx, const float* x, int64_t n_tok, float* out) const override;
  WeightUse active_weight_use() const override;

 private:
  struct Plan;  // the batch's tokens grouped by expert
  Plan route(const ForwardContext& ctx, const float* x, int64_t n_tok) const;

  MoeOptions opt_;
  WeightMatrix router_;            // [n_expert rows, n_embd cols]
  std::vector<float> sel_bias_;    // [n_expert] or empty
  ExpertMatrices gate_, up_, down_;
  std::unique_ptr<SwigluFfn> shared_;
  std::optional<Linear> shared_gate_;  // [1 row, n_embd cols]
};

}  // namespace frugal
