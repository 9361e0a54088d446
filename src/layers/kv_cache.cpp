// Per-sequence, per-layer key/value cache with geometric growth up to the context size.
#include "layers/kv_cache.h"

#include <algorithm>
#include <cstring>

#include "base/checked.h"
#include "base/error.h"
#include "kernels/ops.h"

namespace frugal {

KvCache::KvCache(std::vector<KvLayerShape> layers, int64_t n_ctx, Type type)
    : layers_(std::move(layers)), n_ctx_(n_ctx), type_(type) {
  FRUGAL_CHECK(n_ctx > 0, "context size must be positive, got {}", n_ctx);
  for (const auto& l : layers_)
    FRUGAL_CHECK(l.heads > 0 && l.k_width >= 0 && l.v_width >= 0 && l.k_width % l.heads == 0 &&
                     l.v_width % l.heads == 0 && l.k_width < (int64_t(1) << 32) && l.v_width < (int64_t(1) << 32),
                 "KV cache rows of {} / {} values do not split into {} heads", l.k_width, l.v_width, l.heads);
  // The whole context must be addressable: n_ctx rows of every layer, in bytes.
  const auto bytes = checked_mul(uint64_t(n_ctx), bytes_per_token());
  FRUGAL_CHECK(bytes && *bytes < (uint64_t(1) << 48), "a KV cache of {} positions x {} bytes is too large", n_ctx,
               bytes_per_token());
}

KvCache::Seq& KvCache::get(int32_t seq) {
  FRUGAL_CHECK(seq >= 0, "invalid sequence id {}", seq);
  return seqs_[seq];
}

const KvCache::Seq& KvCache::at(int32_t seq) const {
  auto it = seqs_.find(seq);
  FRUGAL_CHECK(it != seqs_.end(), "sequence {} has no KV cache rows", seq);
  return it->second;
}

namespace {

// A plane of `heads` blocks of rows of `row_bytes`, regrown from old_cap to cap rows per head.
std::vector<std::byte> regrow_plane(const std::vector<std::byte>& old, size_t row_bytes, int64_t heads,
                                    int64_t old_cap, int64_t cap) {
  std::vector<std::byte> r(size_t(cap) * size_t(heads) * row_bytes);
  for (int64_t h = 0; h < heads && old_cap > 0 && row_bytes > 0; ++h)  // (no V cache: nothing to copy)
    std::memcpy(r.data() + size_t(h * cap) * row_bytes, old.data() + size_t(h * old_cap) * row_bytes,
                size_t(old_cap) * row_bytes);
  return r;
}

}  // namespace

KvCache::Rows KvCache::regrow(const Rows& old, int64_t width, int64_t heads, int64_t old_cap, int64_t cap) const {
  const int64_t hw = width / heads;  // one head's row: its elements, then (q8_0) its scales
  return {regrow_plane(old.elems, size_t(hw * kernels::kv_type_size(type_)), heads, old_cap, cap),
          regrow_plane(old.scales, size_t(kernels::kv_row_scales(type_, hw)) * 2, heads, old_cap, cap)};
}

void KvCache::reserve(int32_t seq, int64_t n_pos) {
  FRUGAL_CHECK(n_pos <= n_ctx_, "sequence {} needs {} positions, but the context size is {}", seq, n_pos, n_ctx_);
  Seq& s = get(seq);
  if (n_pos <= s.capacity) return;
  const int64_t cap = std::min(n_ctx_, std::max<int64_t>({n_pos, s.capacity * 2, 64}));
  s.k.resize(layers_.size());
  s.v.resize(layers_.size());
  for (size_t l = 0; l < layers_.size(); ++l) {  // sizes bounded by the constructor's check
    const KvLayerShape& sh = layers_[l];
    s.k[l] = regrow(s.k[l], sh.k_width, sh.heads, s.capacity, cap);
    s.v[l] = regrow(s.v[l], sh.v_width, sh.heads, s.capacity, cap);
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

void KvCache::store(Rows& rows, int64_t width, int64_t heads, int64_t capacity, int64_t pos,
                    const float* row) const {
  FRUGAL_CHECK(pos >= 0 && pos < capacity, "KV cache position {} is not reserved ({} are)", pos, capacity);
  const int64_t hw = width / heads, elem = kernels::kv_type_size(type_), ns = kernels::kv_row_scales(type_, hw);
  for (int64_t h = 0; h < heads; ++h) {
    std::byte* dst = rows.elems.data() + (h * capacity + pos) * hw * elem;
    switch (type_) {
      case Type::F16: kernels::to_half(row + h * hw, reinterpret_cast<uint16_t*>(dst), hw); break;
      case Type::Q8_0:
        kernels::to_q8_row(row + h * hw, reinterpret_cast<int8_t*>(dst),
                           reinterpret_cast<uint16_t*>(rows.scales.data()) + (h * capacity + pos) * ns, hw);
        break;
      case Type::F32: std::memcpy(dst, row + h * hw, size_t(hw) * sizeof(float)); break;
    }
  }
}

void KvCache::store_k(int layer, int32_t seq, int64_t pos, const float* row) {
  Seq& s = get(seq);
  const KvLayerShape& sh = layers_[size_t(layer)];
  store(s.k[size_t(layer)], sh.k_width, sh.heads, s.capacity, pos, row);
}

void KvCache::store_v(int layer, int32_t seq, int64_t pos, const float* row) {
  Seq& s = get(seq);
  const KvLayerShape& sh = layers_[size_t(layer)];
  store(s.v[size_t(layer)], sh.v_width, sh.heads, s.capacity, pos, row);
}

KvRows KvCache::head_rows(const Rows& r, int64_t width, int64_t heads, int64_t capacity, int64_t head) const {
  FRUGAL_CHECK(head >= 0 && head < heads && capacity > 0, "KV cache head {} of {} (capacity {})", head, heads,
               capacity);
  const int64_t hw = width / heads, ns = kernels::kv_row_scales(type_, hw);
  const auto* scales = reinterpret_cast<const uint16_t*>(r.scales.data());
  return {r.elems.data() + head * capacity * hw * kernels::kv_type_size(type_), hw,
          ns ? scales + head * capacity * ns : nullptr, ns};
}

KvRows KvCache::k_rows(int layer, int32_t seq, int64_t head) const {
  const Seq& s = at(seq);
  const KvLayerShape& sh = layers_[size_t(layer)];
  return head_rows(s.k[size_t(layer)], sh.k_width, sh.heads, s.capacity, head);
}

KvRows KvCache::v_rows(int layer, int32_t seq, int64_t head) const {
  const Seq& s = at(seq);
  const KvLayerShape& sh = layers_[size_t(layer)];
  return head_rows(s.v[size_t(layer)], sh.v_width, sh.heads, s.capacity, head);
}

void KvCache::load_k(int layer, int32_t seq, int64_t n, float* out) const {
  const Seq& s = at(seq);
  FRUGAL_CHECK(n >= 0 && n <= s.capacity, "KV cache holds {} positions, not {}", s.capacity, n);
  const KvLayerShape& sh = layers_[size_t(layer)];
  const int64_t hw = sh.k_width / sh.heads;
  for (int64_t h = 0; h < sh.heads; ++h) {
    const KvRows r = head_rows(s.k[size_t(layer)], sh.k_width, sh.heads, s.capacity, h);
    for (int64_t j = 0; j < n; ++j) {
      float* dst = out + j * sh.k_width + h * hw;
      switch (type_) {
        case Type::F16: kernels::from_half(static_cast<const uint16_t*>(r.data) + j * hw, dst, hw); break;
        case Type::Q8_0:
          kernels::from_q8_row(static_cast<const int8_t*>(r.data) + j * hw, r.scales + j * r.scale_stride, dst, hw);
          break;
        case Type::F32:
          std::memcpy(dst, static_cast<const float*>(r.data) + j * hw, size_t(hw) * sizeof(float));
          break;
      }
    }
  }
}

uint64_t KvCache::bytes_per_token() const {
  uint64_t b = 0;
  for (const auto& l : layers_)
    b += uint64_t(l.heads) * uint64_t(kernels::kv_row_bytes(type_, l.k_width / l.heads) +
                                      kernels::kv_row_bytes(type_, l.v_width / l.heads));
  return b;
}

}  // namespace frugal
