// Matmul drivers: a matmul as a task that runs in pieces (rows for the Plain row-dot path,
// 16-row groups for the Rows16 micro-kernels), and the activation quantization they share.
#include <algorithm>
#include <vector>

#include "base/arch.h"
#include "kernels/matmul_internal.h"

namespace frugal::kernels {

namespace {

RowDotFn row_dot_for(Isa isa, GgmlType t) {
  RowDotFn fn = nullptr;
#if FRUGAL_X86
  if (isa == Isa::Avx512) fn = avx512_row_dot(t);
  if (isa == Isa::Avx2) fn = avx2_row_dot(t);
#elif FRUGAL_ARM64
  if (isa == Isa::Neon) fn = neon_row_dot(t);
#endif
  return fn ? fn : scalar_row_dot(t);
}

void run_plain(const MatmulTask& k, int64_t r0, int64_t r1) {
  float out[kMaxTile];
  for (int64_t t0 = 0; t0 < k.n_tok; t0 += kMaxTile) {
    const int nt = int(std::min<int64_t>(kMaxTile, k.n_tok - t0));
    const ActRows a = k.act.shifted(t0);
    for (int64_t r = r0; r < r1; ++r) {
      k.row_dot(k.w.data + uint64_t(r) * k.w.row_bytes, a, nt, out);
      for (int t = 0; t < nt; ++t) k.y[(t0 + t) * k.ldy + r] = out[t];
    }
  }
}

// Groups g0 .. g1 of a Rows16 matrix, two at a time where a pair kernel exists (each
// activation broadcast then feeds both). Tokens go in passes of up to ~4 MiB of activations
// (measured on Zen 5: GEMM speed only falls when passes over a work item are short; the
// activations stream well from L3). On the first pass the next groups are prefetched while
// these compute, into L2 (prefetcht1): on Zen 4 a burst of L1 prefetches stalls the tile that
// issues it (a DeepSeek-V2-Lite expert, Q4_K 1408 x 2048 x 24 tokens: 272 -> 303 GFLOP/s on
// one thread, 498 -> 543 on two), and the tile's own loads then find the lines in L2.
void run_rows16(const MatmulTask& k, int64_t g0, int64_t g1) {
  const uint64_t gbytes = uint64_t(kRows16) * k.w.row_bytes;
  const int64_t nb = k.w.cols / format_of(k.w.type).block_elems;
  const int64_t tok_block =
      std::max<int64_t>(kGemmTile, int64_t((4u << 20) / std::max<size_t>(1, k.act.stride)) / kGemmTile * kGemmTile);
  for (int64_t t0 = 0; t0 < k.n_tok; t0 += tok_block) {
    const int64_t t1 = std::min(k.n_tok, t0 + tok_block);
    for (int64_t g = g0; g < g1;) {
      const bool pair = k.pair && g + 2 <= g1;
      const int64_t step = pair ? 2 : 1, tile = pair ? kPairTile : kGemmTile, tiles = (t1 - t0 + tile - 1) / tile;
      const uint8_t* wg = k.w.data + uint64_t(g) * gbytes;
      const uint64_t ahead = g + step < g1 ? uint64_t(std::min(step, g1 - g - step)) * gbytes : 0;
      const bool prefetch = t0 == 0 && tiles > 1 && ahead > 0;
      for (int64_t i = 0; i < tiles; ++i) {
        if (prefetch)
          for (uint64_t at = ahead * uint64_t(i) / uint64_t(tiles); at < ahead * uint64_t(i + 1) / uint64_t(tiles); at += 64)
            __builtin_prefetch(wg + uint64_t(step) * gbytes + at, 0, 2);
        const int64_t t = t0 + i * tile;
        (pair ? k.pair : k.rows16)(wg, k.act.shifted(t),
                                   {0, nb, int(std::min(tile, t1 - t)), k.y + t * k.ldy + g * kRows16, k.ldy});
      }
      g += step;
    }
  }
}

}  // namespace

MatmulTask make_task(Isa isa, const WeightMatrix& w, const ActRows& act, int64_t n_tok, float* y, int64_t ldy) {
  MatmulTask k{w, act, n_tok, y, ldy, nullptr, nullptr};
  k.rows16 = rows16_kernel(isa, w.layout, w.type);
#if FRUGAL_X86
  if (k.rows16 && n_tok > kGemmTile && isa == Isa::Avx512) k.pair = avx512_rows16_pair(w.type);
#endif
  if (!k.rows16) k.row_dot = row_dot_for(isa, w.type);
  return k;
}

uint64_t MatmulTask::unit_bytes() const {
  return rows16 ? uint64_t(kRows16) * w.row_bytes : std::max<uint64_t>(1, w.row_bytes);
}

bool MatmulTask::streams() const { return n_tok <= (rows16 ? kGemmTile : kMaxTile); }

int64_t MatmulTask::stream_grain() const {  // claims of ~16 KiB: a fine tail, cheap claims
  return std::max<int64_t>(1, int64_t((16u << 10) / unit_bytes()));
}

int64_t MatmulTask::grain(int threads) const {
  const uint64_t unit_bytes = this->unit_bytes();
  const bool stream = streams();
  // Streaming (decode): items of >= 16-32 KiB, ~8 per thread so both threads get equal bytes.
  // Several tokens: items that stay in L2 while every tile of tokens reuses them.
  const int64_t lo = std::max<int64_t>(1, int64_t((uint64_t(rows16 ? 32 : 16) << 10) / unit_bytes));
  const int64_t hi = std::max<int64_t>(1, int64_t((stream ? 1u << 20 : rows16 ? 192u << 10 : 256u << 10) / unit_bytes));
  const int64_t g = std::max<int64_t>(1, std::clamp(units() / (int64_t(threads) * (stream || !rows16 ? 8 : 4)), std::min(lo, hi), hi));
  // Pair kernels need two groups per item (wide matrices have ~100 KiB groups): round up to even.
  return pair && !stream ? (g + 1) / 2 * 2 : g;
}

void run_streaming(ThreadPool& pool, std::span<const MatmulTask> tasks) {
  struct Item {
    const MatmulTask* task;
    int64_t u0, u1;
  };
  std::vector<Item> items;
  std::vector<uint64_t> ends;  // bytes up to the end of each item
  uint64_t total = 0;
  for (const MatmulTask& k : tasks)
    for (int64_t u = 0, n = k.units(), g = k.stream_grain(); u < n; u += g) {
      items.push_back({&k, u, std::min(n, u + g)});
      ends.push_back(total += uint64_t(items.back().u1 - u) * k.unit_bytes());
    }
  const int nt = pool.size();
  const auto bound = [&](int p) {  // first item ending past p / nt of the bytes
    if (p >= nt) return int64_t(items.size());
    const uint64_t at = uint64_t(double(total) * p / nt);
    return int64_t(std::upper_bound(ends.begin(), ends.end(), at) - ends.begin());
  };
  pool.parallel_parts(int64_t(items.size()), 1, bound, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e;) {  // consecutive items of one task in one call
      const Item& first = items[size_t(i)];
      int64_t u1 = first.u1;
      for (++i; i < e && items[size_t(i)].task == first.task; ++i) u1 = items[size_t(i)].u1;
      first.task->run(first.u0, u1);
    }
  });
}

void MatmulTask::run(int64_t u0, int64_t u1) const {
  if (rows16) return run_rows16(*this, u0, u1);
  run_plain(*this, u0, u1);
}

QuantizedActs::QuantizedActs(ThreadPool& pool, Isa isa, ActKind kind, const float* x, int64_t n_tok, int64_t ldx,
                             int64_t cols) {
  rows_.cols = cols;
  if (kind == ActKind::F32) {
    rows_.xf = x;
    rows_.ldx = ldx;
    return;
  }
  rows_.stride = act_row_bytes(kind, cols);
  uint8_t* buf = local_;
  if (rows_.stride * size_t(n_tok) > kLocal) {
    heap_ = alloc_aligned(rows_.stride * size_t(n_tok));
    buf = heap_.get();
  }
  rows_.base = buf;
  const size_t stride = rows_.stride;
  pool.parallel_for(n_tok, 4, [&](int64_t t0, int64_t t1, int) {
    for (int64_t t = t0; t < t1; ++t) quantize_act(isa, kind, x + t * ldx, cols, buf + size_t(t) * stride);
  });
}

void quantize_act(Isa isa, ActKind kind, const float* x, int64_t cols, uint8_t* dst) {
#if FRUGAL_X86
  if (isa == Isa::Avx2 || isa == Isa::Avx512) return quantize_act_row_avx2(kind, x, cols, dst);
#elif FRUGAL_ARM64
  if (isa == Isa::Neon) return quantize_act_row_neon(kind, x, cols, dst);
#else
  (void)isa;
#endif
  quantize_act_row(kind, x, cols, dst);
}

}  // namespace frugal::kernels
