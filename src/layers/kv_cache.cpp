// Per-sequence, per-layer key/value cache with geometric growth up to the context size.
#include "layers/kv_cache.h"

#include <algorithm>

#include "base/error.h"

namespace frugal {

KvCache::KvCache(std::vector<KvLayerShape> layers, int64_t n_ctx) : layers_(std::move(layers)), n_ctx_(n_ctx) {
  FRUGAL_CHECK(n_ctx > 0, "context size must be positive, got {}", n_ctx);
}

KvCache::Seq& KvCache::get(int32_t seq) {
  FRUGAL_CHECK(seq >= 0, "invalid sequence id {}", seq);
  return seqs_[seq];
}

void KvCache::reserve(int32_t seq, int64_t n_pos) {
  FRUGAL_CHECK(n_pos <= n_ctx_, "sequence {} needs {} positions, but the context size is {}", seq, n_pos, n_ctx_);
  Seq& s = get(seq);
  if (n_pos <= s.capacity) return;
  const int64_t cap = std::min(n_ctx_, std::max<int64_t>({n_pos, s.capacity * 2, 64}));
  s.k.resize(layers_.size());
  s.v.resize(layers_.size());
  for (size_t l = 0; l < layers_.size(); ++l) {
    s.k[l].resize(size_t(cap * layers_[l].k_width));
    s.v[l].resize(size_t(cap * layers_[l].v_width));
  }
  s.capacity = cap;
}

void KvCache::set_length(int32_t seq, int64_t n_pos) { get(seq).length = n_pos; }

int64_t KvCache::length(int32_t seq) const {
  auto it = seqs_.find(seq);
  return it == seqs_.end() ? 0 : it->second.length;
}

void KvCache::clear(int32_t seq) { seqs_.erase(seq); }

void KvCache::truncate(int32_t seq, int64_t n_pos) {
  Seq& s = get(seq);
  s.length = std::min(s.length, n_pos);
}

float* KvCache::k(int layer, int32_t seq, int64_t pos) {
  Seq& s = seqs_.at(seq);
  return s.k[size_t(layer)].data() + pos * layers_[size_t(layer)].k_width;
}

float* KvCache::v(int layer, int32_t seq, int64_t pos) {
  Seq& s = seqs_.at(seq);
  return s.v[size_t(layer)].data() + pos * layers_[size_t(layer)].v_width;
}

uint64_t KvCache::bytes_per_token() const {
  uint64_t b = 0;
  for (const auto& l : layers_) b += uint64_t(l.k_width + l.v_width) * sizeof(float);
  return b;
}

}  // namespace frugal
