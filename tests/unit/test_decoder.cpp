// Decoder forward pass: a batch mixing several sequences gives the same logits as running
// each sequence alone, token by token or in one prompt batch (KV cache and positions per sequence).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "base/error.h"
#include "io/gguf_writer.h"
#include "models/model.h"
#include "test_util.h"
#include "tiny_models.h"

namespace frugal {
namespace {

std::vector<uint8_t> random_f32(std::mt19937& rng, size_t n, float scale) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  std::vector<uint8_t> b(n * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::vector<uint8_t> ones_f32(size_t n) {
  std::vector<float> v(n, 1.0f);
  std::vector<uint8_t> b(n * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TinySpec spec_for(const std::string& name) {
  TinySpec s;
  s.arch = name;
  if (name == "deepseek2_v3") {
    s.arch = "deepseek2";
    s.q_lora = true;
    s.sigmoid = true;
    s.n_expert = 8;
    s.n_group = 4;
    s.n_group_used = 2;
  }
  return s;
}

std::string write_tiny_model(const std::string& name, const std::string& file) {
  return TinyModelWriter(spec_for(name)).write(file);
}

struct Runner {
  std::unique_ptr<GgufFile> file;
  std::unique_ptr<Model> model;
  ThreadPool pool{2};
  kernels::Kernels k = kernels::Kernels::select(kernels::Isa::Reference);
  explicit Runner(const std::string& path) : file(GgufFile::open(path)), model(load_model(*file)) {}
  ForwardContext ctx() { return ForwardContext{pool, k}; }
  int64_t V() const { return model->info().n_vocab; }
};

double max_abs_diff(const float* a, const float* b, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, double(std::fabs(a[i] - b[i])));
  return m;
}

class DecoderArch : public ::testing::TestWithParam<std::string> {};

TEST_P(DecoderArch, MultiSequenceBatchEqualsSeparateRuns) {
  Runner r(write_tiny_model(GetParam(), "tiny_" + GetParam() + ".gguf"));
  const int64_t V = r.V();
  const std::vector<std::vector<int32_t>> seqs = {{1, 5, 9, 2, 7, 3}, {4, 4, 8, 1}, {30, 2, 11, 6, 0}};
  // Reference: each sequence alone, token by token.
  std::vector<std::vector<float>> ref;
  for (const auto& s : seqs) {
    KvCache cache(r.model->kv_shapes(), 64);
    std::vector<float> all(s.size() * size_t(V));
    for (size_t i = 0; i < s.size(); ++i) {
      Batch b;
      b.add(s[i], int32_t(i), 0, true);
      r.model->forward(r.ctx(), b, cache, all.data() + i * size_t(V));
    }
    ref.push_back(all);
  }
  // Whole prompts in one batch per sequence.
  for (size_t k = 0; k < seqs.size(); ++k) {
    KvCache cache(r.model->kv_shapes(), 64);
    Batch b;
    for (size_t i = 0; i < seqs[k].size(); ++i) b.add(seqs[k][i], int32_t(i), 0, true);
    std::vector<float> out(seqs[k].size() * size_t(V));
    r.model->forward(r.ctx(), b, cache, out.data());
    EXPECT_LT(max_abs_diff(out.data(), ref[k].data(), int64_t(out.size())), 1e-4);
  }
  // All three sequences interleaved in batches, continuing their caches across batches.
  KvCache cache(r.model->kv_shapes(), 64);
  size_t step[3] = {0, 0, 0};
  for (int round = 0; round < 3; ++round) {
    Batch b;
    std::vector<std::pair<size_t, size_t>> who;  // (sequence, token index)
    for (size_t k = 0; k < seqs.size(); ++k)
      for (int j = 0; j < 2 && step[k] < seqs[k].size(); ++j, ++step[k]) {
        b.add(seqs[k][step[k]], int32_t(step[k]), int32_t(k + 10), true);
        who.emplace_back(k, step[k]);
      }
    std::vector<float> out(who.size() * size_t(V));
    r.model->forward(r.ctx(), b, cache, out.data());
    for (size_t i = 0; i < who.size(); ++i)
      EXPECT_LT(max_abs_diff(out.data() + i * size_t(V), ref[who[i].first].data() + who[i].second * size_t(V), V), 1e-4)
          << "sequence " << who[i].first << " token " << who[i].second;
  }
}

// Half-precision and q8_0 caches: the prompt batch and token-by-token decoding agree (both read
// the same stored rows; with MLA the naive and absorbed paths), on the reference and the best
// kernels; and the logits stay within the type's rounding of the f32 cache's, without being
// identical (the cache does hold rounded values). These tiny random models amplify rounding
// (f16: up to 2.6e-3 of the largest logit); q8_0's is about 25x f16's, and where it flips an
// expert choice the token (and those attending to it) move by up to a quarter of the largest
// logit, so its bound is on the median token. The PyTorch oracle tests judge q8_0's accuracy.
TEST_P(DecoderArch, RoundedCachesTrackF32Cache) {
  Runner r(write_tiny_model(GetParam(), "tiny_half_" + GetParam() + ".gguf"));
  const int64_t V = r.V();
  const std::vector<int32_t> s = {1, 5, 9, 2, 7, 3, 30, 11, 4, 4, 8, 1, 0, 6, 2, 19, 23, 5};
  const int64_t n = int64_t(s.size());
  const auto run = [&](kernels::Isa isa, kernels::KvType type, bool one_batch) {
    r.k = kernels::Kernels::select(isa);
    KvCache cache(r.model->kv_shapes(), 64, type);
    std::vector<float> out(size_t(n * V));
    Batch b;
    for (int64_t i = 0; i < n; ++i) {
      b.add(s[size_t(i)], int32_t(i), 0, true);
      if (one_batch && i + 1 < n) continue;
      r.model->forward(r.ctx(), b, cache, out.data() + (one_batch ? 0 : i * V));
      b.clear();
    }
    return out;
  };
  const auto f32 = run(kernels::Isa::Reference, kernels::KvType::F32, false);
  double mx = 0;
  for (float x : f32) mx = std::max(mx, double(std::fabs(x)));
  ASSERT_GT(mx, 0.0);
  for (auto [type, bound] : {std::pair{kernels::KvType::F16, 5e-3}, std::pair{kernels::KvType::Q8_0, 0.15}})
    for (kernels::Isa isa : {kernels::Isa::Reference, kernels::detect_best_isa()}) {
      const std::string what = std::string(kernels::isa_name(isa)) + " " + kernels::kv_type_name(type);
      const auto steps = run(isa, type, false);
      const auto batch = run(isa, type, true);
      std::vector<double> rows;  // per token: the largest difference to the f32 cache's logits
      for (int64_t i = 0; i < n; ++i) rows.push_back(max_abs_diff(steps.data() + i * V, f32.data() + i * V, V));
      std::sort(rows.begin(), rows.end());
      const double to_f32 = type == kernels::KvType::F16 ? rows.back() : rows[rows.size() / 2];
      EXPECT_LT(max_abs_diff(batch.data(), steps.data(), n * V), 1e-4 * mx) << what;
      EXPECT_LT(to_f32, bound * mx) << what;
      EXPECT_GT(rows.back(), 0.0) << what;
    }
}

// Decoding past 32 cached positions with fewer attention groups than two per thread splits each
// token's positions into ranges run separately and merged (PositionRanges: latent attention
// always, GQA here with 2 KV heads on 2 threads); its logits must match the prompt processed as
// one batch (no split; for latent attention the naive path) for every position, with each cache
// type. A q8_0 cache rounds each key to a code from the layer's input, whose f32 rounding the two
// orders of work change: a value within that noise of a half-way point takes the other code
// (~4e-4 of the largest logit on these models), so there the median position is held to 1e-4 and
// every position to 5e-3 (a wrong merge of the ranges moves logits by 1e-2 and more).
TEST(Decoder, SplitDecodeAtDepthMatchesPromptBatch) {
  for (const std::string arch : {"deepseek2", "deepseek2_v3", "llama", "qwen3moe"}) {
    Runner r(write_tiny_model(arch, "tiny_split_" + arch + ".gguf"));
    const int64_t V = r.V(), n = 200;
    std::vector<int32_t> ids;
    for (int64_t i = 0; i < n; ++i) ids.push_back(int32_t((i * 7 + 3) % 31));
    for (auto type : {kernels::KvType::F32, kernels::KvType::Q8_0})
      for (kernels::Isa isa : {kernels::Isa::Reference, kernels::detect_best_isa()}) {
        r.k = kernels::Kernels::select(isa);
        std::vector<float> batch(size_t(n * V)), steps(size_t(n * V));
        KvCache whole(r.model->kv_shapes(), 256, type), one(r.model->kv_shapes(), 256, type);
        Batch b;
        for (int64_t i = 0; i < n; ++i) b.add(ids[size_t(i)], int32_t(i), 0, true);
        r.model->forward(r.ctx(), b, whole, batch.data());
        for (int64_t i = 0; i < n; ++i) {
          b.clear();
          b.add(ids[size_t(i)], int32_t(i), 0, true);
          r.model->forward(r.ctx(), b, one, steps.data() + i * V);
        }
        double mx = 0;
        for (float x : batch) mx = std::max(mx, double(std::fabs(x)));
        const std::string what = arch + " " + kernels::isa_name(isa) + " " + kernels::kv_type_name(type);
        std::vector<double> d;
        for (int64_t i = 0; i < n; ++i) d.push_back(max_abs_diff(batch.data() + i * V, steps.data() + i * V, V));
        const double worst = type == kernels::KvType::F32 ? 1e-4 : 5e-3;
        for (int64_t i = 0; i < n; ++i) ASSERT_LT(d[size_t(i)], worst * mx) << what << " pos " << i;
        std::nth_element(d.begin(), d.begin() + n / 2, d.end());
        EXPECT_LT(d[size_t(n / 2)], 1e-4 * mx) << what << " (median position)";
      }
  }
}

INSTANTIATE_TEST_SUITE_P(AllArchitectures, DecoderArch,
                         ::testing::Values("llama", "qwen2", "qwen3", "qwen3moe", "qwen2moe", "olmoe", "mixtral",
                                           "deepseek2", "deepseek2_v3"));

// Attention tiles: consecutive tokens of one sequence, at most max_tile, cut where the
// sequence changes (interleaved sequences give tiles of one).
TEST(Batch, TokenTilesFollowSequencesAndMaxSize) {
  Batch b;
  for (int i = 0; i < 6; ++i) b.add(1, i, 0, false);
  b.add(1, 0, 1, false);
  b.add(1, 1, 1, false);
  b.add(1, 6, 0, false);
  b.add(1, 2, 1, false);
  EXPECT_EQ(b.token_tiles(4), (std::vector<int64_t>{0, 4, 6, 8, 9, 10}));
  EXPECT_EQ(b.token_tiles(1).size(), 11u);
  EXPECT_EQ(Batch{}.token_tiles(4), (std::vector<int64_t>{0}));
}

TEST(Decoder, RejectsBadBatchesAndMetadata) {
  Runner r(write_tiny_model("llama", "tiny_bad.gguf"));
  KvCache cache(r.model->kv_shapes(), 8);
  std::vector<float> out(size_t(r.V()));
  Batch b;
  b.add(int32_t(r.V()), 0, 0, true);
  EXPECT_THROW(r.model->forward(r.ctx(), b, cache, out.data()), Error);
  b.clear();
  b.add(1, 8, 0, true);  // position outside the context
  EXPECT_THROW(r.model->forward(r.ctx(), b, cache, out.data()), Error);
}

TEST(Decoder, MissingTensorIsNamed) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.embedding_length", 8);
  w.set_u32("llama.block_count", 1);
  w.set_u32("llama.attention.head_count", 2);
  w.set_u32("llama.feed_forward_length", 8);
  std::mt19937 rng(1);
  w.add_tensor("token_embd.weight", GgmlType::F32, {8, 4}, random_f32(rng, 32, 1.0f));
  w.add_tensor("output_norm.weight", GgmlType::F32, {8}, ones_f32(8));
  const std::string path = test_tmp_path("missing_tensor.gguf");
  w.write(path);
  auto f = GgufFile::open(path);
  try {
    load_model(*f);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("blk.0.attn_norm.weight"));
  }
}

TEST(Decoder, UnknownArchitectureListsSupported) {
  GgufWriter w;
  w.set_string("general.architecture", "mamba9");
  const std::string path = test_tmp_path("arch.gguf");
  w.write(path);
  auto f = GgufFile::open(path);
  try {
    load_model(*f);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("unsupported architecture 'mamba9'"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("qwen3"));
  }
}

}  // namespace
}  // namespace frugal
