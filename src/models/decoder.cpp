// Generic decoder-only transformer forward pass over a multi-sequence batch.
#include "models/decoder.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "base/error.h"
#include "kernels/ops.h"

namespace frugal {

std::string block_prefix(int64_t i) { return "blk." + std::to_string(i) + "."; }

RopeParams read_rope_params(WeightBinder& b, const HParams& hp, int64_t head_dim, kernels::RopeMode mode) {
  RopeParams r;
  r.mode = mode;
  r.n_rot = hp.count_or("rope.dimension_count", head_dim, 2, head_dim);
  r.freq_base = float(hp.real_or("rope.freq_base", 10000.0));
  FRUGAL_CHECK(r.freq_base > 1.0f, "{}: {} = {} must be > 1", hp.file().path(), hp.key("rope.freq_base"), r.freq_base);
  const auto type = hp.text("rope.scaling.type").value_or("none");
  const double factor = hp.real_or("rope.scaling.factor", 0.0);
  if (type == "linear" && factor > 0) {
    r.freq_scale = float(1.0 / factor);
  } else if (type == "yarn" && factor > 0) {
    r.freq_scale = float(1.0 / factor);
    r.yarn.ext_factor = 1.0f;
    r.yarn.n_ctx_orig = hp.count_or("rope.scaling.original_context_length", hp.count_or("context_length", 4096, 1, 1 << 30), 1,
                                    1 << 30);
    r.yarn.beta_fast = float(hp.real_or("rope.scaling.yarn_beta_fast", 32.0));
    r.yarn.beta_slow = float(hp.real_or("rope.scaling.yarn_beta_slow", 1.0));
    // YaRN's attention temperature, folded into cos/sin (architectures may override it)
    r.yarn.mscale = float(1.0 + 0.1 * std::log(factor));
  } else if (type != "none" && type != "linear" && type != "yarn") {
    fail("{}: {}: unsupported rope scaling type '{}'", hp.file().path(), hp.key("rope.scaling.type"), type);
  }
  if (b.has("rope_freqs.weight")) r.freq_factors = b.vector("rope_freqs.weight", r.n_rot / 2);
  return r;
}

DecoderModel::DecoderModel(WeightBinder& b, const HParams& hp, RopeParams rope) : rope_(std::move(rope)) {
  const GgufFile& f = b.file();
  info_.arch = hp.arch();
  info_.name = std::string(f.get_string("general.name").value_or(""));
  info_.n_embd = hp.count("embedding_length", 1, 1 << 20);
  info_.n_layer = hp.count("block_count", 1, 4096);
  info_.n_ctx_train = hp.count_or("context_length", 2048, 1, int64_t(1) << 32);
  eps_ = float(hp.real_or("attention.layer_norm_rms_epsilon", 1e-5));
  FRUGAL_CHECK(eps_ > 0 && eps_ < 1, "{}: {} = {} is out of range", f.path(), hp.key("attention.layer_norm_rms_epsilon"),
               eps_);
  const GgufTensorInfo* emb = f.find_tensor("token_embd.weight");
  FRUGAL_CHECK(emb != nullptr, "{}: missing tensor 'token_embd.weight'", f.path());
  info_.n_vocab = emb->ne[1];
  tok_embd_ = b.matrix("token_embd.weight", info_.n_embd, info_.n_vocab);
  out_norm_ = b.vector("output_norm.weight", info_.n_embd);
  auto out = b.optional_matrix("output.weight", info_.n_embd, info_.n_vocab);
  output_ = out ? *out : tok_embd_;
}

GqaOptions read_gqa_options(const HParams& hp, kernels::RopeMode mode) {
  GqaOptions att;
  att.n_embd = hp.count("embedding_length", 1, 1 << 20);
  att.n_head = hp.count("attention.head_count", 1, 1 << 14);
  att.n_head_kv = hp.count_or("attention.head_count_kv", att.n_head, 1, att.n_head);
  att.head_dim = hp.count_or("attention.key_length", att.n_embd / att.n_head, 1, 1 << 14);
  const int64_t v_dim = hp.count_or("attention.value_length", att.head_dim, 1, 1 << 14);
  FRUGAL_CHECK(v_dim == att.head_dim, "{}: {} = {} differs from the key length {} (unsupported)", hp.file().path(),
               hp.key("attention.value_length"), v_dim, att.head_dim);
  att.rope_mode = mode;
  return att;
}

void DecoderModel::add_layer(DecoderLayer layer) { layers_.push_back(std::move(layer)); }

void DecoderModel::add_layers(WeightBinder& b, const AttentionFactory& attn, const FfnFactory& ffn) {
  for (int64_t i = 0; i < info_.n_layer; ++i) {
    const std::string p = block_prefix(i);
    DecoderLayer L;
    L.attn_norm = b.vector(p + "attn_norm.weight", info_.n_embd);
    L.attn = attn(p, i);
    L.ffn_norm = b.vector(p + "ffn_norm.weight", info_.n_embd);
    L.ffn = ffn(p, i);
    add_layer(std::move(L));
  }
  finish(b);
}

void DecoderModel::finish(const WeightBinder& b) {
  FRUGAL_CHECK(int64_t(layers_.size()) == info_.n_layer, "{}: model built {} layers, block_count is {}",
               b.file().path(), layers_.size(), info_.n_layer);
  uint64_t total = 0;
  for (const auto& t : b.file().tensors()) total += t.nbytes;
  info_.weight_bytes = total;
  // Per token: one embedding row, every layer's active weights, the output head.
  WeightUse active = WeightUse{tok_embd_.row_bytes, 0} + use_of(output_);
  for (const auto& l : layers_) active += l.attn->weight_use() + l.ffn->active_weight_use();
  info_.active_bytes_per_token = active.bytes;
  info_.active_params_per_token = active.params;
  info_.output_params = use_of(output_).params;
}

std::vector<KvLayerShape> DecoderModel::kv_shapes() const {
  std::vector<KvLayerShape> s;
  for (const auto& l : layers_) s.push_back(l.attn->kv_shape());
  return s;
}

void DecoderModel::check_batch(const Batch& batch, const KvCache& cache) const {
  const size_t n = batch.tokens.size();
  FRUGAL_CHECK(n > 0 && batch.pos.size() == n && batch.seq.size() == n && batch.logits.size() == n,
               "malformed batch ({} tokens)", n);
  for (size_t i = 0; i < n; ++i) {
    FRUGAL_CHECK(batch.tokens[i] >= 0 && batch.tokens[i] < info_.n_vocab, "token id {} is out of range [0, {})",
                 batch.tokens[i], info_.n_vocab);
    FRUGAL_CHECK(batch.pos[i] >= 0 && batch.pos[i] < cache.n_ctx(), "position {} is outside the context of {} tokens",
                 batch.pos[i], cache.n_ctx());
    FRUGAL_CHECK(batch.seq[i] >= 0, "invalid sequence id {}", batch.seq[i]);
  }
}

void DecoderModel::forward(const ForwardContext& ctx, const Batch& batch, KvCache& cache, float* logits) const {
  check_batch(batch, cache);
  const int64_t T = batch.size(), E = info_.n_embd;
  std::map<int32_t, int64_t> seq_len;  // positions each sequence will hold after this batch
  for (int64_t t = 0; t < T; ++t) {
    auto& len = seq_len[batch.seq[size_t(t)]];
    len = std::max<int64_t>({len, cache.length(batch.seq[size_t(t)]), int64_t(batch.pos[size_t(t)]) + 1});
  }
  for (auto [seq, len] : seq_len) cache.reserve(seq, len);

  auto x = alloc_floats(ctx, T * E);  // residual stream [T, E]
  auto h = alloc_floats(ctx, T * E);  // normalised input of a block [T, E]
  auto y = alloc_floats(ctx, T * E);  // block output [T, E]
  for (int64_t t = 0; t < T; ++t) ctx.kernels.dequantize_row(tok_embd_, batch.tokens[size_t(t)], x.get() + t * E);
  const RopeTables rope(rope_, batch.pos);
  // Row by row over the pool: x += y (when y is given), then h = rms_norm(x) * w (when w is).
  const auto residual_norm = [&](const float* add, const std::vector<float>* w) {
    ctx.pool.parallel_for(T, 8, [&](int64_t b, int64_t e, int) {
      for (int64_t t = b; t < e; ++t) {
        if (add) kernels::add_inplace(x.get() + t * E, add + t * E, E);
        if (w) kernels::rms_norm(x.get() + t * E, w->data(), h.get() + t * E, E, eps_);
      }
    });
  };
  if (!layers_.empty()) residual_norm(nullptr, &layers_.front().attn_norm);
  for (size_t l = 0; l < layers_.size(); ++l) {
    const DecoderLayer& L = layers_[l];
    L.attn->forward(ctx, AttentionInput{batch, rope, cache, int(l)}, h.get(), y.get());
    residual_norm(y.get(), &L.ffn_norm);
    L.ffn->forward(ctx, h.get(), T, y.get());
    residual_norm(y.get(), l + 1 < layers_.size() ? &layers_[l + 1].attn_norm : nullptr);
  }
  for (auto [seq, len] : seq_len) cache.set_length(seq, len);
  output_logits(ctx, batch, x.get(), logits);
}

void DecoderModel::output_logits(const ForwardContext& ctx, const Batch& batch, const float* x, float* logits) const {
  const int64_t E = info_.n_embd;
  const int64_t n_out = batch.n_logits();
  if (n_out == 0) return;
  auto h = alloc_floats(ctx, n_out * E);  // normalised final states of the flagged tokens [n_out, E]
  int64_t r = 0;
  for (int64_t t = 0; t < batch.size(); ++t)
    if (batch.logits[size_t(t)]) kernels::rms_norm(x + t * E, out_norm_.data(), h.get() + (r++) * E, E, eps_);
  ctx.kernels.matmul(ctx.pool, output_, h.get(), n_out, E, logits, info_.n_vocab);
}

}  // namespace frugal
