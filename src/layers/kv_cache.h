// Per-sequence, per-layer key/value cache. Layers choose their row widths (GQA: KV heads x
// dims; MLA: the compressed latent plus the RoPE key, one "head"), so one cache serves every
// architecture. Storage is head-major: each head's rows of a sequence are contiguous, so
// attention over a long context streams them (rows of all heads interleaved would put one head's
// 128-256 bytes every few KiB, which hardware prefetchers do not follow). Elements are f32,
// IEEE half or q8_0 codes (kernels::KvType; q8_0 block scales in a plane of their own, also
// head-major): layers write f32 rows through store_k/v, and the attention kernels read the
// stored elements in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "kernels/attention.h"

namespace frugal {

struct KvLayerShape {
  int64_t k_width = 0;  // values per position in the K (or latent) cache, all heads
  int64_t v_width = 0;  // values per position in the V cache (0 when unused, e.g. MLA)
  int64_t heads = 1;    // KV heads the widths split into evenly
};

// One head's rows of one sequence: row j at `data` + j * stride elements of the cache's type;
// q8_0: its block scales at `scales` + j * scale_stride.
struct KvRows {
  const void* data = nullptr;
  int64_t stride = 0;
  const uint16_t* scales = nullptr;
  int64_t scale_stride = 0;
};

class KvCache {
 public:
  using Type = kernels::KvType;
  // Throws Error when a shape's widths do not split into its heads or the context's bytes overflow.
  KvCache(std::vector<KvLayerShape> layers, int64_t n_ctx, Type type = Type::F32);

  // Makes room for positions [0, n_pos) of `seq`; throws Error when n_pos > n_ctx.
  void reserve(int32_t seq, int64_t n_pos);
  // Records that positions [0, n_pos) of `seq` now hold valid entries.
  void set_length(int32_t seq, int64_t n_pos);
  int64_t length(int32_t seq) const;
  void clear(int32_t seq);
  void clear_all() { seqs_.clear(); }
  // Drops positions >= n_pos of `seq` (e.g. to reuse a common prompt prefix).
  void truncate(int32_t seq, int64_t n_pos);

  // Writes one position's row (k_width / v_width floats, heads one after another), converted
  // to type(). Throws Error unless the position is reserved.
  void store_k(int layer, int32_t seq, int64_t pos, const float* row);
  void store_v(int layer, int32_t seq, int64_t pos, const float* row);
  // Head `head`'s rows of a reserved sequence, as stored.
  KvRows k_rows(int layer, int32_t seq, int64_t head) const;
  KvRows v_rows(int layer, int32_t seq, int64_t head) const;
  // Positions [0, n) of the K cache as f32 rows of k_width values into out.
  void load_k(int layer, int32_t seq, int64_t n, float* out) const;

  Type type() const { return type_; }
  const KvLayerShape& shape(int layer) const { return layers_[size_t(layer)]; }
  int n_layers() const { return int(layers_.size()); }
  int64_t n_ctx() const { return n_ctx_; }
  // Bytes the cache stores per token, summed over layers.
  uint64_t bytes_per_token() const;

 private:
  // One layer's K or V rows: `heads` head blocks of `capacity` rows each, elements and (q8_0)
  // block scales in separate planes.
  struct Rows {
    std::vector<std::byte> elems, scales;
  };
  struct Seq {
    int64_t capacity = 0;
    int64_t length = 0;
    std::vector<Rows> k, v;  // per layer
  };
  Seq& get(int32_t seq);
  const Seq& at(int32_t seq) const;
  // Rows of `width` values (all heads) in `heads` head blocks of `capacity` rows each.
  void store(Rows& rows, int64_t width, int64_t heads, int64_t capacity, int64_t pos, const float* row) const;
  KvRows head_rows(const Rows& rows, int64_t width, int64_t heads, int64_t capacity, int64_t head) const;
  Rows regrow(const Rows& old, int64_t width, int64_t heads, int64_t old_cap, int64_t cap) const;

  std::vector<KvLayerShape> layers_;
  int64_t n_ctx_;
  Type type_;
  std::map<int32_t, Seq> seqs_;
};

}  // namespace frugal
