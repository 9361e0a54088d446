// A decoder-only transformer assembled from blocks: embedding, N x (norm, attention, norm,
// feed-forward) with residuals, final norm, output head. Architectures differ only in which
// blocks they plug in (see llama.cpp, qwen2.cpp, ... in this folder).
#pragma once

#include <functional>

#include "layers/attention.h"
#include "layers/block.h"
#include "layers/rope.h"
#include "models/hparams.h"
#include "models/model.h"
#include "tensor/binder.h"

namespace frugal {

struct DecoderLayer {
  std::vector<float> attn_norm;  // [n_embd]
  std::unique_ptr<AttentionBlock> attn;
  std::vector<float> ffn_norm;   // [n_embd]
  std::unique_ptr<FfnBlock> ffn;
};

class DecoderModel final : public Model {
 public:
  // Reads the common hyperparameters and binds token_embd, output_norm and output (tied to
  // token_embd when absent).
  DecoderModel(WeightBinder& b, const HParams& hp, RopeParams rope);

  using AttentionFactory = std::function<std::unique_ptr<AttentionBlock>(const std::string& prefix, int64_t layer)>;
  using FfnFactory = std::function<std::unique_ptr<FfnBlock>(const std::string& prefix, int64_t layer)>;
  // Adds block_count layers "blk.<i>." of (attn_norm, attention, ffn_norm, feed-forward) and
  // finishes the model.
  void add_layers(WeightBinder& b, const AttentionFactory& attn, const FfnFactory& ffn);
  void add_layer(DecoderLayer layer);
  int64_t n_embd() const { return info_.n_embd; }
  int64_t n_layer_expected() const { return info_.n_layer; }
  float norm_eps() const { return eps_; }
  const RopeParams& rope() const { return rope_; }
  // Call once all layers are added: checks the count, totals weight sizes.
  void finish(const WeightBinder& b);

  const ModelInfo& info() const override { return info_; }
  std::vector<KvLayerShape> kv_shapes() const override;
  void forward(const ForwardContext& ctx, const Batch& batch, KvCache& cache, float* logits) const override;

 private:
  void check_batch(const Batch& batch, const KvCache& cache) const;
  void output_logits(const ForwardContext& ctx, const Batch& batch, const float* x, float* logits) const;

  ModelInfo info_;
  float eps_;
  RopeParams rope_;
  WeightMatrix tok_embd_;  // [n_vocab rows, n_embd cols]
  std::vector<float> out_norm_;
  WeightMatrix output_;    // [n_vocab rows, n_embd cols]
  std::vector<DecoderLayer> layers_;
};

// Standard RoPE settings from "<arch>.rope.*" keys and the optional rope_freqs tensor.
RopeParams read_rope_params(WeightBinder& b, const HParams& hp, int64_t head_dim, kernels::RopeMode mode);
// "blk.<i>."
std::string block_prefix(int64_t i);
// Head counts and sizes from "<arch>.attention.*" keys (n_rot and norm_eps still to be set).
GqaOptions read_gqa_options(const HParams& hp, kernels::RopeMode mode);

}  // namespace frugal
