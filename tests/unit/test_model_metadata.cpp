// Bad model metadata and tensors get errors that name the key or tensor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/error.h"
#include "models/model.h"
#include "tiny_models.h"

namespace frugal {
namespace {

using ::testing::HasSubstr;

std::string load_error(GgufWriter& w, const std::string& name) {
  const std::string path = test_tmp_path(name);
  w.write(path);
  auto f = GgufFile::open(path);
  try {
    load_model(*f);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TinySpec moe_spec(const std::string& arch) {
  TinySpec s;
  s.arch = arch;
  return s;
}

TEST(ModelMetadata, ExpertUsedCountAboveExpertCount) {
  GgufWriter w = TinyModelWriter(moe_spec("qwen3moe")).build();
  w.set_u32("qwen3moe.expert_used_count", 9);
  const std::string err = load_error(w, "used_gt_count.gguf");
  EXPECT_THAT(err, HasSubstr("qwen3moe.expert_used_count"));
  EXPECT_THAT(err, HasSubstr("9"));
}

TEST(ModelMetadata, MissingExpertTensor) {
  TinySpec s = moe_spec("olmoe");
  GgufWriter full = TinyModelWriter(s).build();
  // Rebuild without blk.1.ffn_up_exps.weight by writing, reading and copying all but that tensor.
  const std::string path = test_tmp_path("full_olmoe.gguf");
  full.write(path);
  auto f = GgufFile::open(path);
  GgufWriter w;
  for (const auto& [k, v] : f->metadata()) w.copy_value(k, v);
  for (const auto& t : f->tensors()) {
    if (t.name == "blk.1.ffn_up_exps.weight") continue;
    w.add_tensor(t.name, t.type, std::vector<int64_t>(t.ne.begin(), t.ne.begin() + t.n_dims),
                 std::vector<uint8_t>(t.data, t.data + t.nbytes));
  }
  EXPECT_THAT(load_error(w, "missing_exps.gguf"), HasSubstr("missing tensor 'blk.1.ffn_up_exps.weight'"));
}

TEST(ModelMetadata, ExpertShapeDisagreesWithMetadata) {
  GgufWriter w = TinyModelWriter(moe_spec("qwen3moe")).build();
  w.set_u32("qwen3moe.expert_feed_forward_length", 20);  // tensors hold 16
  const std::string err = load_error(w, "shape_mismatch.gguf");
  EXPECT_THAT(err, HasSubstr("blk.0.ffn_gate_exps.weight"));
  EXPECT_THAT(err, HasSubstr("expected [32, 20, 4]"));
}

TEST(ModelMetadata, ExpertCountDisagreesWithTensors) {
  GgufWriter w = TinyModelWriter(moe_spec("qwen2moe")).build();
  w.set_u32("qwen2moe.expert_count", 6);
  EXPECT_THAT(load_error(w, "count_mismatch.gguf"), HasSubstr("ffn_gate_inp.weight"));
}

TEST(ModelMetadata, BadGroups) {
  TinySpec s;
  s.arch = "deepseek2";
  s.n_expert = 8;
  s.sigmoid = true;
  s.n_group = 4;
  s.n_group_used = 2;
  GgufWriter w = TinyModelWriter(s).build();
  w.set_u32("deepseek2.expert_group_count", 3);  // does not divide 8 experts
  EXPECT_THAT(load_error(w, "groups.gguf"), HasSubstr("expert_group_count"));
}

TEST(ModelMetadata, MissingRequiredKey) {
  GgufWriter w = TinyModelWriter(moe_spec("llama")).build();
  GgufWriter w2;
  const std::string path = test_tmp_path("tmp_llama.gguf");
  w.write(path);
  auto f = GgufFile::open(path);
  for (const auto& [k, v] : f->metadata())
    if (k != "llama.attention.head_count") w2.copy_value(k, v);
  EXPECT_THAT(load_error(w2, "nokey.gguf"), HasSubstr("llama.attention.head_count"));
}

TEST(ModelMetadata, HeadsNotDividing) {
  GgufWriter w = TinyModelWriter(moe_spec("llama")).build();
  w.set_u32("llama.attention.head_count_kv", 3);
  EXPECT_THAT(load_error(w, "heads.gguf"), HasSubstr("head_count"));
}

}  // namespace
}  // namespace frugal
