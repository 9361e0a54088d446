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

Weights make(GgmlType t, int64_t rows, int64_t cols, bool repack, std::mt19937& rng) {
  Weights out;
  out.bytes = random_weights(t, rows, cols, rng, Scales::Normal);
  out.w = {t, rows, cols, out.bytes.data(), out.bytes.size() / size_t(rows)};
  if (repack && can_repack_rows16(out.w)) {
    std::vector<uint8_t> packed(out.bytes.size());
    ThreadPool pool(1);
    repack_rows16(pool, out.w, 1, out.w.bytes(), packed.data());
    out.bytes.swap(packed);
    out.w.data = out.bytes.data();
    out.w.layout = WeightLayout::Rows16;
  }
  return out;
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
  for (Isa isa : {Isa::Reference, Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
    if (!cpu_supports(isa)) continue;
    for (int threads : {1, 2}) {
      ThreadPool pool(threads);
      const Kernels k = Kernels::select(isa);
      std::vector<MatmulJob> jobs;
      std::vector<std::vector<float>> ys, expect;
      const int64_t toks[] = {20, 20, 3, 1, 0, 20, 7};
      for (size_t i = 0; i < ws.size(); ++i) {
        const bool a = i != 2;  // all but one job share xa
        const int64_t n = toks[i], ldy = ws[i].w.rows + 3;
        ys.emplace_back(size_t(std::max<int64_t>(n, 1) * ldy), -5.0f);
        expect.push_back(ys.back());
        jobs.push_back({ws[i].w, a ? xa.data() : xb.data(), n, E, ys.back().data(), ldy});
        k.matmul(pool, ws[i].w, jobs.back().x, n, E, expect.back().data(), ldy);
      }
      for (size_t i = 0; i < jobs.size(); ++i) jobs[i].y = ys[i].data();  // ys may have moved
      k.matmul_batch(pool, jobs);
      for (size_t i = 0; i < jobs.size(); ++i) EXPECT_EQ(ys[i], expect[i]) << "job " << i << " " << isa_name(isa);
    }
  }
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
  const auto x = random_acts(size_t(n_src * E), rng, Scales::Mixed);
  const std::vector<std::vector<int32_t>> picks = {{8, 0, 3, 3, 5, 1, 7, 2}, {4}, {0, 8}, {6, 2, 2}, {1, 5, 8}};
  for (Isa isa : {Isa::Reference, Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
    if (!cpu_supports(isa)) continue;
    for (int threads : {1, 2}) {
      ThreadPool pool(threads);
      const Kernels k = Kernels::select(isa);
      std::vector<MatmulJob> jobs;
      std::vector<std::vector<float>> ys, expect;
      for (size_t i = 0; i < ws.size(); ++i) {
        const auto& rows = picks[i];
        const int64_t n = int64_t(rows.size()), ldy = ws[i].w.rows;
        std::vector<float> dense(size_t(n * E));
        for (int64_t t = 0; t < n; ++t) std::copy_n(x.data() + rows[size_t(t)] * E, E, dense.data() + t * E);
        expect.emplace_back(size_t(n * ldy));
        k.matmul(pool, ws[i].w, dense.data(), n, E, expect.back().data(), ldy);
        ys.emplace_back(size_t(n * ldy), -5.0f);
        jobs.push_back({ws[i].w, x.data(), n, E, nullptr, ldy, rows.data()});
        // The same weights over all of x, densely.
        expect.emplace_back(size_t(n_src * ldy));
        k.matmul(pool, ws[i].w, x.data(), n_src, E, expect.back().data(), ldy);
        ys.emplace_back(size_t(n_src * ldy), -5.0f);
        jobs.push_back({ws[i].w, x.data(), n_src, E, nullptr, ldy});
      }
      for (size_t i = 0; i < jobs.size(); ++i) jobs[i].y = ys[i].data();
      k.matmul_batch(pool, jobs);
      for (size_t i = 0; i < jobs.size(); ++i) EXPECT_EQ(ys[i], expect[i]) << "job " << i << " " << isa_name(isa);
    }
  }
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
