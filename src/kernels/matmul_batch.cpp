// Kernels::matmul_batch: several matmuls in one parallel region with shared activation
// quantization (MoE experts, projections that read the same input).
#include <algorithm>
#include <numeric>
#include <vector>

#include "kernels/matmul_internal.h"

namespace frugal::kernels {

namespace {

// One distinct activation matrix of the batch and where its quantized rows go.
struct ActSet {
  const float* x;
  int64_t n_tok, ldx, cols;
  ActKind kind;
  size_t offset, stride;
};

// Finds or adds the set for job j; returns its index.
size_t act_set_of(std::vector<ActSet>& sets, const MatmulJob& j, ActKind kind, size_t* bytes) {
  for (size_t i = 0; i < sets.size(); ++i) {
    const ActSet& s = sets[i];
    if (s.x == j.x && s.n_tok == j.n_tok && s.ldx == j.ldx && s.cols == j.w.cols && s.kind == kind) return i;
  }
  const size_t stride = act_row_bytes(kind, j.w.cols);
  sets.push_back({j.x, j.n_tok, j.ldx, j.w.cols, kind, *bytes, stride});
  *bytes += stride * size_t(j.n_tok);
  return sets.size() - 1;
}

struct Item {
  size_t task;
  int64_t u0, u1;
};

}  // namespace

void Kernels::matmul_batch(ThreadPool& pool, std::span<const MatmulJob> jobs) const {
  bool simple = isa_ == Isa::Reference;
  for (const MatmulJob& j : jobs) {
    validate_matmul(j.w, format_of(j.w.type), j.n_tok, j.ldx, j.ldy);
    simple = simple || (j.w.layout == WeightLayout::Rows16 && !runs_rows16(isa_, j.w));
  }
  if (simple) {  // the oracle, or layouts this ISA reads through a Plain copy: one by one
    for (const MatmulJob& j : jobs) matmul(pool, j.w, j.x, j.n_tok, j.ldx, j.y, j.ldy);
    return;
  }
  // Quantize each distinct activation matrix once, all in one region (inline when tiny).
  std::vector<ActSet> sets;
  std::vector<size_t> set_of(jobs.size(), SIZE_MAX);
  size_t bytes = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const ActKind kind = format_of(jobs[i].w.type).act;
    if (kind != ActKind::F32 && jobs[i].n_tok > 0 && jobs[i].w.rows > 0)
      set_of[i] = act_set_of(sets, jobs[i], kind, &bytes);
  }
  AlignedBytes buf = alloc_aligned(std::max<size_t>(bytes, 64));
  std::vector<std::pair<size_t, int64_t>> quant;  // (set, first token) per 4 tokens
  for (size_t s = 0; s < sets.size(); ++s)
    for (int64_t t = 0; t < sets[s].n_tok; t += 4) quant.emplace_back(s, t);
  int64_t rows = 0;
  for (const ActSet& s : sets) rows += s.n_tok;
  const int64_t qgrain = rows <= 16 ? std::max<int64_t>(1, int64_t(quant.size())) : 1;  // a few rows: inline
  pool.parallel_for(int64_t(quant.size()), qgrain, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const ActSet& s = sets[quant[size_t(i)].first];
      for (int64_t t = quant[size_t(i)].second; t < std::min(s.n_tok, quant[size_t(i)].second + 4); ++t)
        quantize_act(isa_, s.kind, s.x + t * s.ldx, s.cols, buf.get() + s.offset + size_t(t) * s.stride);
    }
  });
  // Work items of every job, biggest jobs first so the last items to finish are small.
  std::vector<MatmulTask> tasks;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const MatmulJob& j = jobs[i];
    if (j.n_tok == 0 || j.w.rows == 0) continue;
    ActRows a;
    a.cols = j.w.cols;
    if (set_of[i] == SIZE_MAX) {
      a.xf = j.x;
      a.ldx = j.ldx;
    } else {
      a.base = buf.get() + sets[set_of[i]].offset;
      a.stride = sets[set_of[i]].stride;
    }
    tasks.push_back(make_task(isa_, j.w, a, j.n_tok, j.y, j.ldy));
  }
  if (std::all_of(tasks.begin(), tasks.end(), [](const MatmulTask& k) { return k.streams(); }))
    return run_streaming(pool, tasks);
  std::vector<size_t> order(tasks.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return double(tasks[a].w.bytes()) * double(tasks[a].n_tok) > double(tasks[b].w.bytes()) * double(tasks[b].n_tok);
  });
  std::vector<Item> items;
  for (size_t k : order) {
    const int64_t n = tasks[k].units(), g = tasks[k].grain(pool.size());
    for (int64_t u = 0; u < n; u += g) items.push_back({k, u, std::min(n, u + g)});
  }
  pool.parallel_for(int64_t(items.size()), 1, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) tasks[items[size_t(i)].task].run(items[size_t(i)].u0, items[size_t(i)].u1);
  });
}

}  // namespace frugal::kernels
