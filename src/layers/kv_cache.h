// Per-sequence, per-layer key/value cache. Layers choose their row widths (GQA: heads x dims;
// MLA: the compressed latent plus the RoPE key), so one cache serves every architecture.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace frugal {

struct KvLayerShape {
  int64_t k_width = 0;  // floats per position in the K (or latent) cache
  int64_t v_width = 0;  // floats per position in the V cache (0 when unused, e.g. MLA)
};

class KvCache {
 public:
  KvCache(std::vector<KvLayerShape> layers, int64_t n_ctx);

  // Makes room for positions [0, n_pos) of `seq`; throws Error when n_pos > n_ctx.
  void reserve(int32_t seq, int64_t n_pos);
  // Records that positions [0, n_pos) of `seq` now hold valid entries.
  void set_length(int32_t seq, int64_t n_pos);
  int64_t length(int32_t seq) const;
  void clear(int32_t seq);
  void clear_all() { seqs_.clear(); }
  // Drops positions >= n_pos of `seq` (e.g. to reuse a common prompt prefix).
  void truncate(int32_t seq, int64_t n_pos);

  float* k(int layer, int32_t seq, int64_t pos);
  float* v(int layer, int32_t seq, int64_t pos);
  const KvLayerShape& shape(int layer) const { return layers_[size_t(layer)]; }
  int n_layers() const { return int(layers_.size()); }
  int64_t n_ctx() const { return n_ctx_; }
  // Bytes the cache stores per token, summed over layers (f32 entries).
  uint64_t bytes_per_token() const;

 private:
  struct Seq {
    int64_t capacity = 0;
    int64_t length = 0;
    std::vector<std::vector<float>> k, v;  // per layer: capacity x width
  };
  Seq& get(int32_t seq);

  std::vector<KvLayerShape> layers_;
  int64_t n_ctx_;
  std::map<int32_t, Seq> seqs_;
};

}  // namespace frugal
