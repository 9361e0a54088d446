// Gated feed-forward block: down(silu(gate(x)) * up(x)).
#pragma once

#include "layers/block.h"
#include "layers/linear.h"

namespace frugal {

class SwigluFfn final : public FfnBlock {
 public:
  SwigluFfn(Linear gate, Linear up, Linear down);
  // Binds "<prefix>ffn_gate/ffn_up/ffn_down.weight" with n_ff hidden units.
  static std::unique_ptr<SwigluFfn> bind(WeightBinder& b, const std::string& prefix, int64_t n_embd, int64_t n_ff);
  void forward(const ForwardContext& ctx, const float* x, int64_t n_tok, float* out) const override;
  WeightUse active_weight_use() const override { return use_of(gate_.w) + use_of(up_.w) + use_of(down_.w); }
  const Linear& gate() const { return gate_; }
  const Linear& up() const { return up_; }
  const Linear& down() const { return down_; }

 private:
  Linear gate_, up_, down_;
};

}  // namespace frugal
