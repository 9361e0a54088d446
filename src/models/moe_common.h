// Reading mixture-of-experts hyperparameters ("<arch>.expert_*" keys) shared by MoE architectures.
#pragma once

#include "layers/moe.h"
#include "models/hparams.h"

namespace frugal {

// Expert counts, sizes and routing rules; `default_norm` is the architecture's rule for
// normalising the chosen weights when expert_weights_norm is absent.
MoeOptions read_moe_options(const HParams& hp, int64_t n_embd, bool default_norm);
// True when the file declares experts (expert_count > 0).
bool has_experts(const HParams& hp);

}  // namespace frugal
