// Grouped-query attention over the per-sequence KV cache.
#include "layers/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "base/error.h"
#include "kernels/attention.h"
#include "kernels/ops.h"
#include "layers/position_ranges.h"

namespace frugal {

GqaAttention::GqaAttention(WeightBinder& b, const std::string& prefix, const GqaOptions& opt) : opt_(opt) {
  FRUGAL_CHECK(opt.n_head > 0 && opt.n_head_kv > 0 && opt.n_head % opt.n_head_kv == 0,
               "{}: head_count {} is not a positive multiple of head_count_kv {}", b.file().path(), opt.n_head,
               opt.n_head_kv);
  FRUGAL_CHECK(opt.n_rot > 0 && opt.n_rot <= opt.head_dim && opt.n_rot % 2 == 0,
               "{}: rope dimension count {} must be even and at most the head size {}", b.file().path(), opt.n_rot,
               opt.head_dim);
  const int64_t dq = opt.n_head * opt.head_dim, dkv = opt.n_head_kv * opt.head_dim;
  wq_ = Linear::bind(b, prefix + "attn_q", opt.n_embd, dq, opt.bias);
  wk_ = Linear::bind(b, prefix + "attn_k", opt.n_embd, dkv, opt.bias);
  wv_ = Linear::bind(b, prefix + "attn_v", opt.n_embd, dkv, opt.bias);
  wo_ = Linear::bind(b, prefix + "attn_output", dq, opt.n_embd);
  if (opt.qk_norm == GqaOptions::QkNorm::PerHead) {
    q_norm_ = b.vector(prefix + "attn_q_norm.weight", opt.head_dim);
    k_norm_ = b.vector(prefix + "attn_k_norm.weight", opt.head_dim);
  } else if (opt.qk_norm == GqaOptions::QkNorm::Full) {
    q_norm_ = b.vector(prefix + "attn_q_norm.weight", dq);
    k_norm_ = b.vector(prefix + "attn_k_norm.weight", dkv);
  }
}

KvLayerShape GqaAttention::kv_shape() const {
  return {opt_.n_head_kv * opt_.head_dim, opt_.n_head_kv * opt_.head_dim, opt_.n_head_kv};
}

// Projects q (returned), and k/v straight into the cache, applying norms and RoPE.
void GqaAttention::project_qkv(const ForwardContext& ctx, const AttentionInput& in, const float* x, float* q) const {
  const int64_t T = in.batch.size(), hd = opt_.head_dim;
  const int64_t dq = opt_.n_head * hd, dkv = opt_.n_head_kv * hd;
  auto k = alloc_floats(ctx, T * dkv);  // [T, dkv]
  auto v = alloc_floats(ctx, T * dkv);  // [T, dkv]
  const Linear* proj[] = {&wq_, &wk_, &wv_};
  float* outs[] = {q, k.get(), v.get()};
  forward_all(ctx, x, T, proj, outs);
  for (int64_t t = 0; t < T; ++t) {
    float* qt = q + t * dq;
    float* kt = k.get() + t * dkv;
    if (opt_.qk_norm == GqaOptions::QkNorm::PerHead) {
      for (int64_t h = 0; h < opt_.n_head; ++h) kernels::rms_norm(qt + h * hd, q_norm_.data(), qt + h * hd, hd, opt_.norm_eps);
      for (int64_t h = 0; h < opt_.n_head_kv; ++h)
        kernels::rms_norm(kt + h * hd, k_norm_.data(), kt + h * hd, hd, opt_.norm_eps);
    } else if (opt_.qk_norm == GqaOptions::QkNorm::Full) {
      kernels::rms_norm(qt, q_norm_.data(), qt, dq, opt_.norm_eps);
      kernels::rms_norm(kt, k_norm_.data(), kt, dkv, opt_.norm_eps);
    }
    in.rope.apply(t, qt, opt_.n_head, hd, opt_.rope_mode);
    in.rope.apply(t, kt, opt_.n_head_kv, hd, opt_.rope_mode);
    in.cache.store_k(in.layer, in.batch.seq[size_t(t)], in.batch.pos[size_t(t)], kt);
  }
  for (int64_t t = 0; t < T; ++t)
    in.cache.store_v(in.layer, in.batch.seq[size_t(t)], in.batch.pos[size_t(t)], v.get() + t * dkv);
}

// o[t, h] = softmax_j(q[t,h] . K[j, g(h)] * scale) V[j, g(h)] over j <= pos[t] of seq[t].
// A task is one KV head's query heads for a tile of up to kTokenTile consecutive tokens of one
// sequence (each query with its own causal length): the tile shares every key/value row it
// reads. Decode (a token per tile) with fewer than two groups per thread splits positions
// instead (attend_ranges); a tile of several tokens with few groups cuts a group's heads into
// runs.
void GqaAttention::attend(const ForwardContext& ctx, const AttentionInput& in, const float* q, float* o) const {
  constexpr int64_t kTokenTile = 16;
  const int64_t hd = opt_.head_dim, H = opt_.n_head, KV = opt_.n_head_kv;
  const int64_t group = H / KV;
  const float scale = 1.0f / std::sqrt(float(hd));
  const kernels::Isa isa = ctx.kernels.isa();
  const std::vector<int64_t> tiles = in.batch.token_tiles(kTokenTile);  // first token of each, then T
  const int64_t n_tiles = int64_t(tiles.size()) - 1;
  if (n_tiles == in.batch.size() && n_tiles * KV < 2 * int64_t(ctx.pool.size()))
    return attend_ranges(ctx, in, q, o);
  int64_t max_len = 0;
  for (auto p : in.batch.pos) max_len = std::max<int64_t>(max_len, p + 1);
  const int64_t runs = std::clamp<int64_t>((2 * ctx.pool.size() + n_tiles * KV - 1) / (n_tiles * KV), 1, group);
  const int64_t per_run = (group + runs - 1) / runs, max_q = kTokenTile * per_run;
  // Per thread: the kernel's scratch (its size grows with n, so the longest sequence's serves
  // every task), then a tile's queries and outputs gathered into rows of hd floats.
  kernels::HeadGroup shape{};
  shape.n_q = max_q, shape.dk = hd, shape.dv = hd, shape.n = max_len, shape.kv = in.cache.type();
  const int64_t kernel_scratch = kernels::attend_scratch_floats(shape);
  const int64_t per_thread = kernel_scratch + 2 * max_q * hd;
  auto scratch = alloc_floats(ctx, int64_t(ctx.pool.size()) * per_thread);
  std::vector<int64_t> lens(size_t(ctx.pool.size() * max_q));
  ctx.pool.parallel_for(n_tiles * KV * runs, 1, [&](int64_t begin, int64_t end, int tid) {
    float* s = scratch.get() + int64_t(tid) * per_thread;
    float *qbuf = s + kernel_scratch, *obuf = qbuf + max_q * hd;
    int64_t* len = lens.data() + tid * max_q;
    for (int64_t task = begin; task < end; ++task) {
      const int64_t tile = task / (KV * runs), g = task / runs % KV, i0 = task % runs * per_run;
      const int64_t nh = std::min(per_run, group - i0), t0 = tiles[size_t(tile)], nt = tiles[size_t(tile) + 1] - t0;
      if (nh <= 0) continue;
      const int32_t seq = in.batch.seq[size_t(t0)];
      const KvRows keys = in.cache.k_rows(in.layer, seq, g), values = in.cache.v_rows(in.layer, seq, g);
      kernels::HeadGroup hg{q + t0 * H * hd + (g * group + i0) * hd, hd, nh,
                            keys.data, keys.stride, hd,
                            values.data, values.stride, hd,
                            in.batch.pos[size_t(t0)] + 1, scale,
                            o + t0 * H * hd + (g * group + i0) * hd, hd, nullptr, in.cache.type(),
                            keys.scales, keys.scale_stride, values.scales, values.scale_stride};
      if (nt == 1) {
        kernels::attend_group(isa, hg, {s, size_t(kernel_scratch)});
        continue;
      }
      hg.n = 0;
      for (int64_t tt = 0; tt < nt; ++tt) {
        const int64_t n = in.batch.pos[size_t(t0 + tt)] + 1;
        hg.n = std::max(hg.n, n);
        for (int64_t h = 0; h < nh; ++h) {
          len[tt * nh + h] = n;
          std::copy_n(hg.q + tt * H * hd + h * hd, hd, qbuf + (tt * nh + h) * hd);
        }
      }
      float* out = hg.out;
      hg.q = qbuf, hg.n_q = nt * nh, hg.out = obuf, hg.lens = len;
      kernels::attend_group(isa, hg, {s, size_t(kernel_scratch)});
      for (int64_t tt = 0; tt < nt; ++tt)
        std::copy_n(obuf + tt * nh * hd, nh * hd, out + tt * H * hd);
    }
  });
}

// Decode with fewer than two groups per thread: a task is all heads of one group for one token
// over a range of its positions (PositionRanges), so each key and value row is read by one
// thread and every task keeps the group's heads together (cutting heads instead read each row
// once per run of heads, with tiles of one or two heads).
void GqaAttention::attend_ranges(const ForwardContext& ctx, const AttentionInput& in, const float* q, float* o) const {
  const int64_t T = in.batch.size(), hd = opt_.head_dim, H = opt_.n_head, KV = opt_.n_head_kv, group = H / KV;
  const PositionRanges pr(in.batch, T * KV, int64_t(ctx.pool.size()));
  const int64_t P = pr.max_parts;
  auto parts = alloc_floats(ctx, T * P * H * hd);  // [T, P, H, hd] outputs of the ranges of split tokens
  auto lse = alloc_floats(ctx, T * P * H);         // [T, P, H]
  kernels::HeadGroup shape{};
  shape.n_q = group, shape.dk = hd, shape.dv = hd, shape.n = pr.max_len, shape.kv = in.cache.type();
  const int64_t per_thread = kernels::attend_scratch_floats(shape);
  auto scratch = alloc_floats(ctx, int64_t(ctx.pool.size()) * per_thread);
  const int64_t elem = kernels::kv_type_size(in.cache.type());
  const float scale = 1.0f / std::sqrt(float(hd));
  const auto from = [&](const KvRows& r, int64_t p0) {
    return static_cast<const char*>(r.data) + p0 * r.stride * elem;
  };
  const auto scales_from = [](const KvRows& r, int64_t p0) {
    return r.scales ? r.scales + p0 * r.scale_stride : nullptr;
  };
  ctx.pool.parallel_for(int64_t(pr.ranges.size()) * KV, 1, [&](int64_t b, int64_t e, int tid) {
    for (int64_t i = b; i < e; ++i) {
      const PositionRanges::Range& r = pr.ranges[size_t(i / KV)];
      const int64_t g = i % KV, h0 = g * group;
      const int32_t seq = in.batch.seq[size_t(r.t)];
      const KvRows keys = in.cache.k_rows(in.layer, seq, g), values = in.cache.v_rows(in.layer, seq, g);
      float* out = pr.split(r.t) ? parts.get() + ((r.t * P + r.part) * H + h0) * hd : o + (r.t * H + h0) * hd;
      kernels::HeadGroup hg{q + (r.t * H + h0) * hd, hd, group,
                            from(keys, r.p0), keys.stride, hd,
                            from(values, r.p0), values.stride, hd,
                            r.p1 - r.p0, scale, out, hd, nullptr, in.cache.type(),
                            scales_from(keys, r.p0), keys.scale_stride, scales_from(values, r.p0), values.scale_stride};
      hg.lse = pr.split(r.t) ? lse.get() + (r.t * P + r.part) * H + h0 : nullptr;
      kernels::attend_group(ctx.kernels.isa(), hg, {scratch.get() + tid * per_thread, size_t(per_thread)});
    }
  });
  if (pr.max_len < 2 * PositionRanges::kMinRange) return;  // no token split: outputs written in place
  ctx.pool.parallel_for(T * H, 1, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t t = i / H, h = i % H;
      if (pr.split(t))
        kernels::merge_attention_parts(parts.get() + (t * P * H + h) * hd, H * hd, lse.get() + t * P * H + h, H,
                                       pr.n_parts[size_t(t)], hd, o + (t * H + h) * hd);
    }
  });
}

void GqaAttention::forward(const ForwardContext& ctx, const AttentionInput& in, const float* x, float* out) const {
  const int64_t T = in.batch.size(), dq = opt_.n_head * opt_.head_dim;
  auto q = alloc_floats(ctx, T * dq);  // [T, n_head * head_dim]
  auto o = alloc_floats(ctx, T * dq);  // [T, n_head * head_dim]
  project_qkv(ctx, in, x, q.get());
  attend(ctx, in, q.get(), o.get());
  wo_.forward(ctx, o.get(), T, out);
}

}  // namespace frugal
