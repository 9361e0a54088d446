// Interfaces of the two halves of a decoder layer, so architectures mix and match blocks
// (GQA or MLA attention; dense or mixture-of-experts feed-forward).
#pragma once

#include "layers/batch.h"
#include "layers/context.h"
#include "layers/kv_cache.h"
#include "layers/rope.h"

namespace frugal {

// Per-forward state shared by all attention layers.
struct AttentionInput {
  const Batch& batch;
  const RopeTables& rope;
  KvCache& cache;
  int layer;
};

class AttentionBlock {
 public:
  virtual ~AttentionBlock() = default;
  // x: [n_tok, n_embd] (already normalised) -> out: [n_tok, n_embd]. Writes this batch's
  // entries into the cache at in.layer, then attends causally within each sequence.
  virtual void forward(const ForwardContext& ctx, const AttentionInput& in, const float* x, float* out) const = 0;
  virtual KvLayerShape kv_shape() const = 0;
  // Weights one token reads.
  virtual WeightUse weight_use() const = 0;
};

class FfnBlock {
 public:
  virtual ~FfnBlock() = default;
  // x: [n_tok, n_embd] (already normalised) -> out: [n_tok, n_embd]
  virtual void forward(const ForwardContext& ctx, const float* x, int64_t n_tok, float* out) const = 0;
  // Weights one token reads (a mixture of experts counts only the experts it uses).
  virtual WeightUse active_weight_use() const = 0;
};

}  // namespace frugal
