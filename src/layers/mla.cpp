// Multi-head latent attention.
#include "layers/mla.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "base/error.h"
#include "kernels/attention.h"
#include "kernels/ops.h"
#include "layers/position_ranges.h"

namespace frugal {

MlaAttention::MlaAttention(WeightBinder& b, const std::string& prefix, const MlaOptions& opt) : opt_(opt) {
  const int64_t H = opt.n_head, dqk = opt.qk_nope + opt.qk_rope, L = opt.kv_lora_rank;
  FRUGAL_CHECK(opt.qk_rope > 0 && opt.qk_rope % 2 == 0 && opt.qk_nope > 0 && opt.v_head > 0 && L > 0,
               "{}: invalid MLA sizes (qk_nope {}, qk_rope {}, v_head {}, kv_lora_rank {})", b.file().path(),
               opt.qk_nope, opt.qk_rope, opt.v_head, L);
  if (opt.q_lora_rank > 0) {
    wq_a_ = Linear::bind(b, prefix + "attn_q_a", opt.n_embd, opt.q_lora_rank);
    q_a_norm_ = b.vector(prefix + "attn_q_a_norm.weight", opt.q_lora_rank);
    wq_b_ = Linear::bind(b, prefix + "attn_q_b", opt.q_lora_rank, H * dqk);
  } else {
    wq_ = Linear::bind(b, prefix + "attn_q", opt.n_embd, H * dqk);
  }
  wkv_a_ = Linear::bind(b, prefix + "attn_kv_a_mqa", opt.n_embd, L + opt.qk_rope);
  kv_a_norm_ = b.vector(prefix + "attn_kv_a_norm.weight", L);
  wkv_b_ = Linear::bind(b, prefix + "attn_kv_b", L, H * (opt.qk_nope + opt.v_head));
  wo_ = Linear::bind(b, prefix + "attn_output", H * opt.v_head, opt.n_embd);
  // Absorbed keys: q_lat[h][c] = sum_r kv_b[h * (nope + v) + r][c] q_nope[h][r].
  for (int64_t h = 0; h < H; ++h) {
    auto codes = kernels::TransposedCodes::make(wkv_b_.w, h * (opt.qk_nope + opt.v_head), opt.qk_nope);
    if (!codes) break;
    k_b_codes_.push_back(std::move(*codes));
  }
  if (!k_b_codes_.empty()) return;
  k_b_t_.resize(size_t(H * L * opt.qk_nope));
  const kernels::Kernels ref = kernels::Kernels::select(kernels::Isa::Reference);
  std::vector<float> row(static_cast<size_t>(L));
  for (int64_t h = 0; h < H; ++h)
    for (int64_t r = 0; r < opt.qk_nope; ++r) {
      ref.dequantize_row(wkv_b_.w, h * (opt.qk_nope + opt.v_head) + r, row.data());
      for (int64_t c = 0; c < L; ++c) k_b_t_[size_t((h * L + c) * opt.qk_nope + r)] = row[size_t(c)];
    }
}

WeightUse MlaAttention::weight_use() const {
  return use_of(wq_.w) + use_of(wq_a_.w) + use_of(wq_b_.w) + use_of(wkv_a_.w) + use_of(wkv_b_.w) + use_of(wo_.w);
}

WeightMatrix MlaAttention::v_rows(int64_t h) const {
  WeightMatrix m = wkv_b_.w;
  m.data += uint64_t(h * (opt_.qk_nope + opt_.v_head) + opt_.qk_nope) * m.row_bytes;
  m.rows = opt_.v_head;
  return m;
}

// q: [T, H, nope + rope] with RoPE applied; the cache gets [latent (normalised), k_pe (roped)].
void MlaAttention::project(const ForwardContext& ctx, const AttentionInput& in, const float* x, float* q) const {
  const int64_t T = in.batch.size(), H = opt_.n_head, dqk = opt_.qk_nope + opt_.qk_rope, L = opt_.kv_lora_rank;
  const int64_t W = L + opt_.qk_rope;
  auto kv = alloc_floats(ctx, T * W);  // [T, kv_lora + rope]
  if (opt_.q_lora_rank > 0) {
    auto qa = alloc_floats(ctx, T * opt_.q_lora_rank);  // [T, q_lora]
    const Linear* proj[] = {&wq_a_, &wkv_a_};
    float* outs[] = {qa.get(), kv.get()};
    forward_all(ctx, x, T, proj, outs);
    for (int64_t t = 0; t < T; ++t) {
      float* r = qa.get() + t * opt_.q_lora_rank;
      kernels::rms_norm(r, q_a_norm_.data(), r, opt_.q_lora_rank, opt_.norm_eps);
    }
    wq_b_.forward(ctx, qa.get(), T, q);
  } else {
    const Linear* proj[] = {&wq_, &wkv_a_};
    float* outs[] = {q, kv.get()};
    forward_all(ctx, x, T, proj, outs);
  }
  for (int64_t t = 0; t < T; ++t) {
    float* row = kv.get() + t * W;
    kernels::rms_norm(row, kv_a_norm_.data(), row, L, opt_.norm_eps);
    in.rope.apply(t, row + L, 1, opt_.qk_rope, kernels::RopeMode::Interleaved);
    in.rope.apply(t, q + t * H * dqk + opt_.qk_nope, H, dqk, kernels::RopeMode::Interleaved);
    in.cache.store_k(in.layer, in.batch.seq[size_t(t)], in.batch.pos[size_t(t)], row);
  }
}

void MlaAttention::attend_absorbed(const ForwardContext& ctx, const AttentionInput& in, const float* q,
                                   float* o) const {
  const int64_t T = in.batch.size(), H = opt_.n_head, dqk = opt_.qk_nope + opt_.qk_rope, L = opt_.kv_lora_rank;
  const int64_t W = L + opt_.qk_rope;
  auto q_cat = alloc_floats(ctx, T * H * W);  // queries in latent space plus their RoPE part [T, H, L + rope]
  auto c_lat = alloc_floats(ctx, T * H * L);  // attention-weighted latents [T, H, L]
  ctx.pool.parallel_for(T * H, 1, [&](int64_t b, int64_t e, int) {
    for (int64_t task = b; task < e; ++task) {
      const int64_t t = task / H, h = task % H;
      const float* qn = q + t * H * dqk + h * dqk;
      float* ql = q_cat.get() + task * W;
      std::copy(qn + opt_.qk_nope, qn + dqk, ql + L);
      if (!k_b_codes_.empty()) {
        k_b_codes_[size_t(h)].apply(ctx.kernels.isa(), qn, ql);
        continue;
      }
      for (int64_t c = 0; c < L; ++c) ql[c] = kernels::dot(k_b_t_.data() + (h * L + c) * opt_.qk_nope, qn, opt_.qk_nope);
    }
  });
  // Every head reads the same latent rows (keys: latent + RoPE key; values: the latent), so a
  // task is all heads of one token (each row read once and reused from L1 by every head) over
  // a range of its positions (PositionRanges). Splitting heads instead streamed each row once
  // per run of heads (dsv2-lite decode at depth 300-700: attention 12.5% of the samples).
  const PositionRanges pr(in.batch, T, int64_t(ctx.pool.size()));
  const int64_t P = pr.max_parts, max_len = pr.max_len;
  auto parts = alloc_floats(ctx, T * P * H * L);  // [T, P, H, L] outputs of the ranges of split tokens
  auto lse = alloc_floats(ctx, T * P * H);        // [T, P, H]
  kernels::HeadGroup shape{};
  shape.n_q = H, shape.dk = W, shape.dv = L, shape.n = max_len, shape.kv = in.cache.type();
  const int64_t per_thread = kernels::attend_scratch_floats(shape);
  auto scratch = alloc_floats(ctx, int64_t(ctx.pool.size()) * per_thread);
  const int64_t elem = kernels::kv_type_size(in.cache.type());
  ctx.pool.parallel_for(int64_t(pr.ranges.size()), 1, [&](int64_t b, int64_t e, int tid) {
    for (int64_t i = b; i < e; ++i) {
      const PositionRanges::Range& k = pr.ranges[size_t(i)];
      const bool split = pr.split(k.t);
      // The cache's one "head": latent + RoPE key (keys), whose first L values are the values.
      const KvRows rows = in.cache.k_rows(in.layer, in.batch.seq[size_t(k.t)], 0);
      const void* first = static_cast<const char*>(rows.data) + k.p0 * rows.stride * elem;
      const uint16_t* scales = rows.scales ? rows.scales + k.p0 * rows.scale_stride : nullptr;
      float* out = split ? parts.get() + (k.t * P + k.part) * H * L : c_lat.get() + k.t * H * L;
      kernels::HeadGroup g{q_cat.get() + k.t * H * W, W, H, first, rows.stride, W, first, rows.stride, L,
                           k.p1 - k.p0, opt_.kq_scale, out, L, nullptr, in.cache.type(),
                           scales, rows.scale_stride, scales, rows.scale_stride};
      g.lse = split ? lse.get() + (k.t * P + k.part) * H : nullptr;
      kernels::attend_group(ctx.kernels.isa(), g, {scratch.get() + tid * per_thread, size_t(per_thread)});
    }
  });
  // Split tokens' ranges merged, then values out of latent space, one head per task (each
  // head's slice of kv_b is small: one parallel region for all heads instead of one per head).
  ctx.pool.parallel_for(H, 1, [&](int64_t b, int64_t e, int) {
    ThreadPool serial(1);
    for (int64_t h = b; h < e; ++h) {
      for (int64_t t = 0; t < T; ++t)
        if (pr.split(t))
          kernels::merge_attention_parts(parts.get() + (t * P * H + h) * L, H * L, lse.get() + t * P * H + h, H,
                                         pr.n_parts[size_t(t)], L, c_lat.get() + (t * H + h) * L);
      ctx.kernels.matmul(serial, v_rows(h), c_lat.get() + h * L, T, H * L, o + h * opt_.v_head, H * opt_.v_head);
    }
  });
}

void MlaAttention::attend_naive(const ForwardContext& ctx, const AttentionInput& in, const float* q, float* o) const {
  const int64_t T = in.batch.size(), H = opt_.n_head, nope = opt_.qk_nope, dqk = nope + opt_.qk_rope;
  const int64_t L = opt_.kv_lora_rank, W = L + opt_.qk_rope, dkv = nope + opt_.v_head;
  // Per sequence: its cached positions decompressed to [n, H * (nope + v)] and the full keys
  // [n, H, nope + rope] (each head's nope part beside the shared rope part).
  struct Seq {
    int64_t n = 0;
    FloatBuffer kv, k, wide;  // wide: the latent rows as f32 when the cache holds halves or q8_0
  };
  std::map<int32_t, Seq> full;
  for (int64_t t = 0; t < T; ++t) {
    Seq& f = full[in.batch.seq[size_t(t)]];
    f.n = std::max<int64_t>(f.n, in.batch.pos[size_t(t)] + 1);
  }
  int64_t max_len = 0;
  for (auto& [seq, f] : full) {
    max_len = std::max(max_len, f.n);
    const float* latent = nullptr;  // the cache's f32 rows in place, or others widened into f.wide
    if (in.cache.type() == kernels::KvType::F32) {
      latent = static_cast<const float*>(in.cache.k_rows(in.layer, seq, 0).data);
    } else {
      f.wide = alloc_floats(ctx, f.n * W);
      in.cache.load_k(in.layer, seq, f.n, f.wide.get());
      latent = f.wide.get();
    }
    f.kv = alloc_floats(ctx, f.n * H * dkv);
    ctx.kernels.matmul(ctx.pool, wkv_b_.w, latent, f.n, W, f.kv.get(), H * dkv);
    f.k = alloc_floats(ctx, f.n * H * dqk);
    ctx.pool.parallel_for(f.n, 16, [&](int64_t j0, int64_t j1, int) {
      for (int64_t j = j0; j < j1; ++j)
        for (int64_t h = 0; h < H; ++h) {
          float* kh = f.k.get() + (j * H + h) * dqk;
          std::copy_n(f.kv.get() + (j * H + h) * dkv, nope, kh);
          std::copy_n(latent + j * W + L, opt_.qk_rope, kh + nope);
        }
    });
  }
  // A task: one head for a tile of up to kTokenTile consecutive tokens of one sequence, each
  // query with its causal length; the tile shares every key/value row it reads. Each head has
  // keys of its own, so only tokens share them: long tiles amortise the kernel's per-block key
  // transpose (dsv2-lite pp256 after 2048 cached tokens: 16-token tiles 100 t/s, 64: 119-128,
  // 128: 128-130).
  constexpr int64_t kTokenTile = 128;
  const std::vector<int64_t> tiles = in.batch.token_tiles(kTokenTile);  // first token of each, then T
  const int64_t n_tiles = int64_t(tiles.size()) - 1;
  kernels::HeadGroup shape{};
  shape.n_q = kTokenTile, shape.dk = dqk, shape.dv = opt_.v_head, shape.n = max_len, shape.kv = in.cache.type();
  const int64_t per_thread = kernels::attend_scratch_floats(shape);
  auto scratch = alloc_floats(ctx, int64_t(ctx.pool.size()) * per_thread);
  std::vector<int64_t> lens(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) lens[size_t(t)] = in.batch.pos[size_t(t)] + 1;
  const kernels::Isa isa = ctx.kernels.isa();
  ctx.pool.parallel_for(n_tiles * H, 1, [&](int64_t b, int64_t e, int tid) {
    float* s = scratch.get() + int64_t(tid) * per_thread;
    for (int64_t task = b; task < e; ++task) {
      const int64_t tile = task / H, h = task % H, t0 = tiles[size_t(tile)], nt = tiles[size_t(tile) + 1] - t0;
      const Seq& f = full.at(in.batch.seq[size_t(t0)]);
      const int64_t* len = lens.data() + t0;
      const kernels::HeadGroup hg{q + (t0 * H + h) * dqk, H * dqk, nt,
                                  f.k.get() + h * dqk, H * dqk, dqk,
                                  f.kv.get() + h * dkv + nope, H * dkv, opt_.v_head,
                                  *std::max_element(len, len + nt), opt_.kq_scale,
                                  o + (t0 * H + h) * opt_.v_head, H * opt_.v_head, len};
      kernels::attend_group(isa, hg, {s, size_t(per_thread)});
    }
  });
}

void MlaAttention::forward(const ForwardContext& ctx, const AttentionInput& in, const float* x, float* out) const {
  const int64_t T = in.batch.size(), H = opt_.n_head;
  auto q = alloc_floats(ctx, T * H * (opt_.qk_nope + opt_.qk_rope));  // [T, H, nope + rope]
  auto o = alloc_floats(ctx, T * H * opt_.v_head);                    // [T, H, v_head]
  project(ctx, in, x, q.get());
  const bool naive = opt_.mode == MlaOptions::Mode::Naive || (opt_.mode == MlaOptions::Mode::Auto && T >= 16);
  if (naive) {
    attend_naive(ctx, in, q.get(), o.get());
  } else {
    attend_absorbed(ctx, in, q.get(), o.get());
  }
  wo_.forward(ctx, o.get(), T, out);
}

}  // namespace frugal
