// ModelInfo's per-token weight figures (the bench rooflines divide by them), counted by hand
// for the tiny models, and the int8 arithmetic-peak measurement.
#include <gtest/gtest.h>

#include "io/gguf.h"
#include "kernels/peak.h"
#include "models/model.h"
#include "runtime/bench.h"
#include "tiny_models.h"

namespace frugal {
namespace {

using W = TinyModelWriter;

ModelInfo info_of(const TinySpec& s, const std::string& file) {
  const auto f = GgufFile::open(TinyModelWriter(s).write(file));
  return load_model(*f)->info();
}

TEST(ModelInfo, DenseActiveWeightsPerToken) {
  const ModelInfo i = info_of(TinySpec{}, "info_llama.gguf");
  const uint64_t attn = W::E * W::H * W::HD * 2 + W::E * W::KV * W::HD * 2;  // q, o; k, v
  const uint64_t ffn = 3 * W::E * W::F;
  const uint64_t params = W::L * (attn + ffn) + W::E * W::V;  // layers + output head
  EXPECT_EQ(i.active_params_per_token, params);
  EXPECT_EQ(i.output_params, W::E * W::V);  // run only for tokens that ask for logits
  EXPECT_EQ(i.active_bytes_per_token, 4 * params + 4 * W::E);  // F32, plus one embedding row
}

TEST(ModelInfo, MoeCountsOnlyTheExpertsUsed) {
  TinySpec s;
  s.arch = "mixtral";
  s.n_expert = 4;
  s.n_expert_used = 2;
  const ModelInfo i = info_of(s, "info_mixtral.gguf");
  const uint64_t attn = W::E * W::H * W::HD * 2 + W::E * W::KV * W::HD * 2;
  const uint64_t ffn = W::E * 4 + 2 * 3 * W::E * W::FE;  // router + two experts
  const uint64_t params = W::L * (attn + ffn) + W::E * W::V;
  EXPECT_EQ(i.active_params_per_token, params);
  EXPECT_EQ(i.active_bytes_per_token, 4 * params + 4 * W::E);
}

TEST(Int8Peak, MeasuredWhereTheIsaHasIntegerDots) {
  ThreadPool pool(2);
  EXPECT_EQ(kernels::measure_int8_peak(pool, kernels::Isa::Scalar, 0.01), 0.0);
  EXPECT_EQ(kernels::measure_int8_peak(pool, kernels::Isa::Reference, 0.01), 0.0);
  for (auto isa : {kernels::Isa::Avx2, kernels::Isa::Avx512, kernels::Isa::Neon}) {
    if (!kernels::cpu_supports(isa)) continue;
    EXPECT_GT(kernels::measure_int8_peak(pool, isa, 0.01), 0.0) << kernels::isa_name(isa);
  }
}

TEST(ReadAll, EveryIsaReadsEveryByte) {
  // The XOR of all 8-byte words, whatever the load width: a word changed anywhere changes it.
  std::vector<uint64_t> words(4096 * 3 / 8);
  for (size_t i = 0; i < words.size(); ++i) words[i] = i * 0x9E3779B97F4A7C15ull;
  const auto* p = reinterpret_cast<const uint8_t*>(words.data());
  uint64_t want = 0;
  for (uint64_t w : words) want ^= w;
  for (auto isa : {kernels::Isa::Scalar, kernels::Isa::Avx2, kernels::Isa::Avx512, kernels::Isa::Neon}) {
    if (!kernels::cpu_supports(isa)) continue;
    EXPECT_EQ(kernels::read_all(isa, p, words.size() * 8), want) << kernels::isa_name(isa);
    words[words.size() - 1] ^= 1;
    EXPECT_NE(kernels::read_all(isa, p, words.size() * 8), want) << kernels::isa_name(isa);
    words[words.size() - 1] ^= 1;
  }
}

TEST(ReadBandwidth, MeasuresAPositiveRate) {
  ThreadPool pool(2);
  EXPECT_GT(measure_read_bandwidth(pool, 8u << 20, 1), 0.0);
}

}  // namespace
}  // namespace frugal
