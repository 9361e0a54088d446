// Kernels::matmul_batch: several matmuls in one parallel region with shared activation
// quantization (MoE experts, projections that read the same input).
#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "base/error.h"
#include "kernels/matmul_internal.h"

namespace frugal::kernels {

namespace {

// One distinct activation source of the batch (x, ldx, cols, format): its rows [0, n_rows) are
// quantized once, to offset + r * stride of the batch's buffer.
struct ActSet {
  const float* x;
  int64_t ldx, cols;
  ActKind kind;
  int64_t n_rows;
  size_t offset, stride;
};

// Rows of x that job j reads: n_tok, or the largest gathered index + 1.
int64_t source_rows(const MatmulJob& j) {
  if (!j.rows) return j.n_tok;
  int64_t last = -1;
  for (int64_t t = 0; t < j.n_tok; ++t) {
    FRUGAL_CHECK(j.rows[t] >= 0, "matmul_batch: negative gather index {}", j.rows[t]);
    last = std::max<int64_t>(last, j.rows[t]);
  }
  return last + 1;
}

// Finds or adds the set for job j; returns its index.
size_t act_set_of(std::vector<ActSet>& sets, const MatmulJob& j, ActKind kind) {
  const int64_t n = source_rows(j);
  for (size_t i = 0; i < sets.size(); ++i) {
    ActSet& s = sets[i];
    if (s.x == j.x && s.ldx == j.ldx && s.cols == j.w.cols && s.kind == kind) {
      s.n_rows = std::max(s.n_rows, n);
      return i;
    }
  }
  sets.push_back({j.x, j.ldx, j.w.cols, kind, n, 0, act_row_bytes(kind, j.w.cols)});
  return sets.size() - 1;
}

// The gathered rows of j as a dense float matrix (for the paths that read floats).
std::vector<float> gather_floats(const MatmulJob& j) {
  std::vector<float> out(size_t(j.n_tok) * size_t(j.w.cols));
  for (int64_t t = 0; t < j.n_tok; ++t)
    std::copy_n(j.x + int64_t(j.rows[t]) * j.ldx, j.w.cols, out.data() + t * j.w.cols);
  return out;
}

struct Item {
  size_t task;
  int64_t u0, u1;
};

}  // namespace

void Kernels::matmul_batch(ThreadPool& pool, std::span<const MatmulJob> in) const {
  bool simple = isa_ == Isa::Reference;
  for (const MatmulJob& j : in) {
    validate_matmul(j.w, format_of(j.w.type), j.n_tok, j.ldx, j.ldy);
    simple = simple || (is_rows16(j.w.layout) && !runs_rows16(isa_, j.w));
  }
  // Gathers read by float paths become dense copies; the quantized paths gather quantized rows.
  std::vector<MatmulJob> jobs(in.begin(), in.end());
  std::vector<std::vector<float>> copies;
  for (MatmulJob& j : jobs)
    if (j.rows && j.n_tok > 0 && (simple || format_of(j.w.type).act == ActKind::F32)) {
      source_rows(j);  // checks the indices
      j.x = copies.emplace_back(gather_floats(j)).data();
      j.ldx = j.w.cols;
      j.rows = nullptr;
    }
  if (simple) {  // the oracle, or layouts this ISA reads through a Plain copy: one by one
    for (const MatmulJob& j : jobs) matmul(pool, j.w, j.x, j.n_tok, j.ldx, j.y, j.ldy);
    return;
  }
  run_batch(pool, jobs);
}

void Kernels::run_batch(ThreadPool& pool, std::span<const MatmulJob> jobs) const {
  // Each distinct activation source quantized once, then each gathering job's rows copied
  // into a dense block of its own.
  std::vector<ActSet> sets;
  std::vector<size_t> set_of(jobs.size(), SIZE_MAX), gather_at(jobs.size(), 0);
  for (size_t i = 0; i < jobs.size(); ++i) {
    const ActKind kind = format_of(jobs[i].w.type).act;
    if (kind != ActKind::F32 && jobs[i].n_tok > 0 && jobs[i].w.rows > 0) set_of[i] = act_set_of(sets, jobs[i], kind);
  }
  size_t bytes = 0;
  for (ActSet& s : sets) s.offset = bytes, bytes += s.stride * size_t(s.n_rows);
  for (size_t i = 0; i < jobs.size(); ++i)
    if (set_of[i] != SIZE_MAX && jobs[i].rows) gather_at[i] = bytes, bytes += sets[set_of[i]].stride * size_t(jobs[i].n_tok);
  AlignedBytes buf = alloc_aligned(std::max<size_t>(bytes, 64));
  std::vector<std::pair<size_t, int64_t>> quant;  // (set, first row) per 4 rows
  for (size_t s = 0; s < sets.size(); ++s)
    for (int64_t t = 0; t < sets[s].n_rows; t += 4) quant.emplace_back(s, t);
  int64_t rows = 0;
  for (const ActSet& s : sets) rows += s.n_rows;
  const int64_t qgrain = rows <= 16 ? std::max<int64_t>(1, int64_t(quant.size())) : 1;  // a few rows: inline
  pool.parallel_for(int64_t(quant.size()), qgrain, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const ActSet& s = sets[quant[size_t(i)].first];
      for (int64_t t = quant[size_t(i)].second; t < std::min(s.n_rows, quant[size_t(i)].second + 4); ++t)
        quantize_act(isa_, s.kind, s.x + t * s.ldx, s.cols, buf.get() + s.offset + size_t(t) * s.stride);
    }
  });
  std::vector<std::pair<size_t, int64_t>> copy;  // (job, row) of every gathered row
  for (size_t i = 0; i < jobs.size(); ++i)
    if (set_of[i] != SIZE_MAX && jobs[i].rows)
      for (int64_t t = 0; t < jobs[i].n_tok; ++t) copy.emplace_back(i, t);
  const int64_t cgrain = copy.size() <= 64 ? std::max<int64_t>(1, int64_t(copy.size())) : 64;
  pool.parallel_for(int64_t(copy.size()), cgrain, [&](int64_t b, int64_t e, int) {
    for (int64_t c = b; c < e; ++c) {
      const auto [i, t] = copy[size_t(c)];
      const ActSet& s = sets[set_of[i]];
      std::memcpy(buf.get() + gather_at[i] + size_t(t) * s.stride, buf.get() + s.offset + size_t(jobs[i].rows[t]) * s.stride,
                  s.stride);
    }
  });
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
      a.base = buf.get() + (j.rows ? gather_at[i] : sets[set_of[i]].offset);
      a.stride = sets[set_of[i]].stride;
    }
    tasks.push_back(make_task(isa_, j.w, a, j.n_tok, j.y, j.ldy));
  }
  run_tasks(pool, tasks);
}

void run_tasks(ThreadPool& pool, std::span<const MatmulTask> tasks) {
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
