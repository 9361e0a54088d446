// Kernels::matmul_batch equals Kernels::matmul job by job (every ISA, both layouts, shared
// and distinct activations, uneven token counts, empty jobs, gathered rows).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "base/error.h"
#include "kernels/matmul.h"
#include "kernels/repack/repacker.h"
#include "test_quant_helpers.h"

namespace frugal::kernels {
namespace {

using testing::random_acts;
using testing::random_weights;
using testing::Scales;

struct Weights {
  std::vector<uint8_t> bytes;
  WeightMatrix w;
};

// repack: into the layout of this CPU's best ISA (Rows16 where it has none).
Weights make(GgmlType t, int64_t rows, int64_t cols, bool repack, std::mt19937& rng) {
  Weights out;
  out.bytes = random_weights(t, rows, cols, rng, Scales::Normal);
  out.w = {t, rows, cols, out.bytes.data(), out.bytes.size() / size_t(rows)};
  if (repack && can_repack_rows16(out.w)) {
    std::vector<uint8_t> packed(out.bytes.size());
    ThreadPool pool(1);
    const WeightLayout best = rows16_layout(detect_best_isa()), layout = is_rows16(best) ? best : WeightLayout::Rows16;
    repack_rows16(pool, out.w, 1, out.w.bytes(), packed.data(), layout);
    out.bytes.swap(packed);
    out.w.data = out.bytes.data();
    out.w.layout = layout;
  }
  return out;
}

// Jobs of a batch and what matmul() writes for each, one at a time.
struct Expected {
  std::vector<MatmulJob> jobs;
  std::vector<std::vector<float>> ys, expect;
  // Job j and, as its expected output, matmul() over `dense` (j.n_tok rows, stride j.ldx).
  void add(const Kernels& k, ThreadPool& pool, const MatmulJob& j, const float* dense) {
    ys.emplace_back(size_t(std::max<int64_t>(j.n_tok, 1) * j.ldy), -5.0f);
    expect.push_back(ys.back());
    k.matmul(pool, j.w, dense, j.n_tok, j.ldx, expect.back().data(), j.ldy);
    jobs.push_back(j);
  }
  void check(const Kernels& k, ThreadPool& pool) {
    for (size_t i = 0; i < jobs.size(); ++i) jobs[i].y = ys[i].data();
    k.matmul_batch(pool, jobs);
    for (size_t i = 0; i < jobs.size(); ++i) EXPECT_EQ(ys[i], expect[i]) << "job " << i << " " << isa_name(k.isa());
  }
};

// body(kernels, pool) for every ISA this CPU runs, with 1 and 2 threads.
template <class F>
void for_each_setup(F&& body) {
  for (Isa isa : {Isa::Reference, Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon}) {
    if (!cpu_supports(isa)) continue;
    for (int threads : {1, 2}) {
      ThreadPool pool(threads);
      body(Kernels::select(isa), pool);
    }
  }
}

TEST(MatmulBatch, EqualsOneByOne) {
  std::mt19937 rng(21);
  const int64_t E = 512;
  std::vector<Weights> ws;
  ws.push_back(make(GgmlType::Q4_K, 64, E, true, rng));
  ws.push_back(make(GgmlType::Q4_K, 48, E, true, rng));
  ws.push_back(make(GgmlType::Q6_K, 32, E, true, rng));
  ws.push_back(make(GgmlType::Q8_0, 32, E, true, rng));
  ws.push_back(make(GgmlType::Q8_0, 24, E, false, rng));  // 24 rows: stays Plain
  ws.push_back(make(GgmlType::F32, 8, E, false, rng));
  ws.push_back(make(GgmlType::Q4_0, 16, E, false, rng));
  const auto xa = random_acts(size_t(20 * E), rng, Scales::Mixed);
  const auto xb = random_acts(size_t(3 * E), rng, Scales::Normal);
  for_each_setup([&](const Kernels& k, ThreadPool& pool) {
    Expected batch;
    const int64_t toks[] = {20, 20, 3, 1, 0, 20, 7};
    for (size_t i = 0; i < ws.size(); ++i) {
      const float* x = i != 2 ? xa.data() : xb.data();  // all but one job share xa
      batch.add(k, pool, {ws[i].w, x, toks[i], E, nullptr, ws[i].w.rows + 3}, x);
    }
    batch.check(k, pool);
  });
}

// Jobs that gather rows of x (MoE experts) equal matmul on the gathered rows, beside jobs that
// read the same x densely (one quantization of x serves both).
TEST(MatmulBatch, GatheredRowsEqualMatmulOnTheGatheredCopy) {
  std::mt19937 rng(22);
  const int64_t E = 512, n_src = 9;
  std::vector<Weights> ws;
  ws.push_back(make(GgmlType::Q4_K, 32, E, true, rng));
  ws.push_back(make(GgmlType::Q6_K, 32, E, true, rng));
  ws.push_back(make(GgmlType::Q8_0, 32, E, true, rng));
  ws.push_back(make(GgmlType::F32, 8, E, false, rng));
  ws.push_back(make(GgmlType::Q4_K, 16, E, false, rng));  // Plain
  ws.push_back(make(GgmlType::Q2_K, 32, E, true, rng));
  ws.push_back(make(GgmlType::Q3_K, 16, E, true, rng));
  const auto x = random_acts(size_t(n_src * E), rng, Scales::Mixed);
  const std::vector<std::vector<int32_t>> picks = {{8, 0, 3, 3, 5, 1, 7, 2}, {4}, {0, 8}, {6, 2, 2}, {1, 5, 8},
                                                   {2, 4, 6, 8, 1, 3, 5, 7, 0, 2, 4}, {7}};
  for_each_setup([&](const Kernels& k, ThreadPool& pool) {
    Expected batch;
    for (size_t i = 0; i < ws.size(); ++i) {
      const auto& rows = picks[i];
      const int64_t n = int64_t(rows.size()), ldy = ws[i].w.rows;
      std::vector<float> dense(size_t(n * E));
      for (int64_t t = 0; t < n; ++t) std::copy_n(x.data() + rows[size_t(t)] * E, E, dense.data() + t * E);
      batch.add(k, pool, {ws[i].w, x.data(), n, E, nullptr, ldy, rows.data()}, dense.data());
      batch.add(k, pool, {ws[i].w, x.data(), n_src, E, nullptr, ldy}, x.data());  // all of x, densely
    }
    batch.check(k, pool);
  });
}

TEST(MatmulBatch, EmptyAndInvalid) {
  ThreadPool pool(2);
  const Kernels k = Kernels::select(Isa::Auto);
  k.matmul_batch(pool, {});
  std::vector<uint8_t> raw(144);
  std::vector<float> x(256), y(2);
  const MatmulJob bad{{GgmlType::Q4_K, 2, 200, raw.data(), 144}, x.data(), 1, 256, y.data(), 2};
  EXPECT_THROW(k.matmul_batch(pool, {&bad, 1}), Error);
  std::vector<uint8_t> q(2 * 144);
  std::vector<float> y2(4);
  const int32_t rows[] = {0, -1};
  const MatmulJob negative{{GgmlType::Q4_K, 2, 256, q.data(), 144}, x.data(), 2, 256, y2.data(), 2, rows};
  EXPECT_THROW(k.matmul_batch(pool, {&negative, 1}), Error);
}

}  // namespace
}  // namespace frugal::kernels
