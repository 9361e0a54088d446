// The load-time repacking hook end to end: WeightBinder hands every matrix and expert stack
// of a GGUF file to the kernels' WeightPreparer, which repacks them (Rows16) and drops the
// mapped pages of the originals; results equal the file's plain weights.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "io/gguf_writer.h"
#include "kernels/matmul.h"
#include "kernels/repack/repacker.h"
#include "kernels/repack/rows16.h"
#include "tensor/binder.h"
#include "test_quant_helpers.h"
#include "test_util.h"

namespace frugal::kernels {
namespace {

using testing::random_acts;
using testing::random_weights;
using testing::Scales;

std::string write_file() {
  std::mt19937 rng(9);
  GgufWriter w;
  w.set_string("general.architecture", "test");
  w.add_tensor("a.weight", GgmlType::Q4_K, {512, 48}, random_weights(GgmlType::Q4_K, 48, 512, rng, Scales::Normal));
  w.add_tensor("b.weight", GgmlType::Q8_0, {96, 20}, random_weights(GgmlType::Q8_0, 20, 96, rng, Scales::Normal));
  w.add_tensor("e.weight", GgmlType::Q6_K, {256, 32, 3}, random_weights(GgmlType::Q6_K, 96, 256, rng, Scales::Normal));
  const std::string path = test_tmp_path("repack_binder.gguf");
  w.write(path);
  return path;
}

// y = W x for both the bound (maybe repacked) matrix and the file's plain bytes.
void expect_same_products(ThreadPool& pool, const WeightMatrix& bound, const GgufTensorInfo& t, uint64_t offset) {
  WeightMatrix plain = bound;
  plain.data = t.data + offset;
  plain.layout = WeightLayout::Plain;
  std::mt19937 rng(4);
  const auto x = random_acts(size_t(3 * bound.cols), rng, Scales::Normal);
  std::vector<float> a(size_t(3 * bound.rows)), b(a.size());
  const Kernels ref = Kernels::select(Isa::Reference), fast = Kernels::select(Isa::Auto);
  ref.matmul(pool, plain, x.data(), 3, bound.cols, a.data(), bound.rows);
  ref.matmul(pool, bound, x.data(), 3, bound.cols, b.data(), bound.rows);
  EXPECT_EQ(a, b) << t.name;
  fast.matmul(pool, plain, x.data(), 3, bound.cols, a.data(), bound.rows);
  fast.matmul(pool, bound, x.data(), 3, bound.cols, b.data(), bound.rows);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4 * (std::fabs(a[i]) + 1)) << t.name;
}

TEST(RepackBinder, PreparerSeesMatricesAndExpertStacks) {
  const auto file = GgufFile::open(write_file());
  ThreadPool pool(2);
  const Kernels k = Kernels::select(Isa::Auto);
  auto preparer = k.weight_preparer(pool);
  WeightBinder b(*file, preparer.get());
  const WeightMatrix a = b.matrix("a.weight", 512, 48);
  const WeightMatrix q8 = b.matrix("b.weight", 96, 20);
  const ExpertMatrices e = b.experts("e.weight", 256, 32, 3);
  const bool repacks = k.isa() == Isa::Avx512 || k.isa() == Isa::Avx2 || k.isa() == Isa::Neon;
  EXPECT_EQ(a.layout, repacks ? rows16_layout(k.isa()) : WeightLayout::Plain);
  EXPECT_EQ(is_rows16(a.layout), repacks);
  EXPECT_EQ(q8.layout, WeightLayout::Plain);  // 20 rows: not a multiple of 16
  EXPECT_EQ(e.first.layout, a.layout);
  EXPECT_EQ(e.expert_stride, e.first.bytes());
  // The originals were released (re-read from the file when touched): still intact.
  expect_same_products(pool, a, *file->find_tensor("a.weight"), 0);
  expect_same_products(pool, q8, *file->find_tensor("b.weight"), 0);
  for (int64_t i = 0; i < 3; ++i)
    expect_same_products(pool, e.expert(i), *file->find_tensor("e.weight"), uint64_t(i) * e.expert_stride);
  std::vector<float> r1(256), r2(256);
  k.dequantize_row(e.expert(2), 17, r1.data());
  WeightMatrix p = e.expert(2);
  p.data = file->find_tensor("e.weight")->data + 2 * e.expert_stride;
  p.layout = WeightLayout::Plain;
  k.dequantize_row(p, 17, r2.data());
  EXPECT_EQ(r1, r2);
}

TEST(RepackBinder, NoPreparerKeepsTheMapping) {
  const auto file = GgufFile::open(write_file());
  WeightBinder b(*file);
  const WeightMatrix a = b.matrix("a.weight", 512, 48);
  EXPECT_EQ(a.layout, WeightLayout::Plain);
  EXPECT_EQ(a.data, file->find_tensor("a.weight")->data);
}

}  // namespace
}  // namespace frugal::kernels
