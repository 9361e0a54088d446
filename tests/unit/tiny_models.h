// Writers of tiny random GGUF models of every architecture, for unit tests of the forward pass.
#pragma once

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "io/gguf_writer.h"
#include "test_util.h"

namespace frugal {

struct TinySpec {
  std::string arch = "llama";   // llama | qwen2 | qwen3 | qwen3moe | qwen2moe | olmoe | mixtral | deepseek2
  int64_t n_expert = 4, n_expert_used = 2;
  bool q_lora = false;          // deepseek2
  bool sigmoid = false;         // deepseek2 (V3 gating with selection bias)
  int64_t n_group = 1, n_group_used = 1;
};

class TinyModelWriter {
 public:
  static constexpr int64_t E = 32, H = 4, KV = 2, HD = 8, F = 48, V = 40, L = 2, FE = 16;

  explicit TinyModelWriter(const TinySpec& s) : s_(s), arch_(s.arch == "mixtral" ? "llama" : s.arch), rng_(1234) {}

  // Builds the whole model; tests may then tweak `w` before writing.
  GgufWriter build() {
    GgufWriter w;
    w.set_string("general.architecture", arch_);
    w.set_u32(key("embedding_length"), E);
    w.set_u32(key("block_count"), L);
    w.set_u32(key("feed_forward_length"), F);
    w.set_u32(key("attention.head_count"), H);
    w.set_u32(key("context_length"), 128);
    w.set_f32(key("attention.layer_norm_rms_epsilon"), 1e-5f);
    w.set_f32(key("rope.freq_base"), 10000.0f);
    w.add_tensor("token_embd.weight", GgmlType::F32, {E, V}, rand(E * V, 1.0f));
    w.add_tensor("output_norm.weight", GgmlType::F32, {E}, ones(E));
    w.add_tensor("output.weight", GgmlType::F32, {E, V}, rand(E * V, 0.2f));
    const bool moe = arch_ != "llama" || s_.arch == "mixtral" ? arch_ != "qwen2" && arch_ != "qwen3" : false;
    if (moe) {
      w.set_u32(key("expert_count"), uint32_t(s_.n_expert));
      w.set_u32(key("expert_used_count"), uint32_t(s_.n_expert_used));
      w.set_u32(key("expert_feed_forward_length"), FE);
    }
    if (arch_ == "deepseek2") {
      deepseek_keys(w);
    } else {
      w.set_u32(key("attention.head_count_kv"), KV);
    }
    if (arch_ == "qwen2moe") w.set_u32(key("expert_shared_feed_forward_length"), FE);
    for (int64_t l = 0; l < L; ++l) layer(w, "blk." + std::to_string(l) + ".", l, moe);
    return w;
  }

  std::string write(const std::string& name) {
    const std::string path = test_tmp_path(name);
    build().write(path);
    return path;
  }

 private:
  std::string key(const std::string& k) const { return arch_ + "." + k; }

  std::vector<uint8_t> rand(int64_t n, float scale) {
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = d(rng_);
    return bytes(v);
  }
  static std::vector<uint8_t> ones(int64_t n) { return bytes(std::vector<float>(static_cast<size_t>(n), 1.0f)); }
  static std::vector<uint8_t> bytes(const std::vector<float>& v) {
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
  }

  void deepseek_keys(GgufWriter& w) {
    w.set_u32(key("attention.head_count_kv"), H);
    w.set_u32(key("attention.kv_lora_rank"), 16);
    if (s_.q_lora) w.set_u32(key("attention.q_lora_rank"), 24);
    w.set_u32(key("attention.key_length"), 12 + 4);
    w.set_u32(key("attention.value_length"), 8);
    w.set_u32(key("rope.dimension_count"), 4);
    w.set_u32(key("leading_dense_block_count"), 1);
    w.set_u32(key("expert_shared_count"), 1);
    w.set_u32(key("expert_gating_func"), s_.sigmoid ? 2 : 1);
    w.set_bool(key("expert_weights_norm"), s_.sigmoid);
    w.set_f32(key("expert_weights_scale"), s_.sigmoid ? 2.5f : 1.0f);
    if (s_.n_group > 1) {
      w.set_u32(key("expert_group_count"), uint32_t(s_.n_group));
      w.set_u32(key("expert_group_used_count"), uint32_t(s_.n_group_used));
    }
  }

  void attention(GgufWriter& w, const std::string& p) {
    if (arch_ == "deepseek2") {
      if (s_.q_lora) {
        w.add_tensor(p + "attn_q_a.weight", GgmlType::F32, {E, 24}, rand(E * 24, 0.3f));
        w.add_tensor(p + "attn_q_a_norm.weight", GgmlType::F32, {24}, ones(24));
        w.add_tensor(p + "attn_q_b.weight", GgmlType::F32, {24, H * 16}, rand(24 * H * 16, 0.3f));
      } else {
        w.add_tensor(p + "attn_q.weight", GgmlType::F32, {E, H * 16}, rand(E * H * 16, 0.3f));
      }
      w.add_tensor(p + "attn_kv_a_mqa.weight", GgmlType::F32, {E, 16 + 4}, rand(E * 20, 0.3f));
      w.add_tensor(p + "attn_kv_a_norm.weight", GgmlType::F32, {16}, ones(16));
      w.add_tensor(p + "attn_kv_b.weight", GgmlType::F32, {16, H * (12 + 8)}, rand(16 * H * 20, 0.3f));
      w.add_tensor(p + "attn_output.weight", GgmlType::F32, {H * 8, E}, rand(H * 8 * E, 0.3f));
      return;
    }
    w.add_tensor(p + "attn_q.weight", GgmlType::F32, {E, H * HD}, rand(E * H * HD, 0.3f));
    w.add_tensor(p + "attn_k.weight", GgmlType::F32, {E, KV * HD}, rand(E * KV * HD, 0.3f));
    w.add_tensor(p + "attn_v.weight", GgmlType::F32, {E, KV * HD}, rand(E * KV * HD, 0.3f));
    w.add_tensor(p + "attn_output.weight", GgmlType::F32, {H * HD, E}, rand(E * H * HD, 0.3f));
    if (arch_ == "qwen2" || arch_ == "qwen2moe")
      for (auto [n, d] : {std::pair{"attn_q", H * HD}, {"attn_k", KV * HD}, {"attn_v", KV * HD}})
        w.add_tensor(p + n + ".bias", GgmlType::F32, {d}, rand(d, 0.1f));
    if (arch_ == "qwen3" || arch_ == "qwen3moe") {
      w.add_tensor(p + "attn_q_norm.weight", GgmlType::F32, {HD}, rand(HD, 1.0f));
      w.add_tensor(p + "attn_k_norm.weight", GgmlType::F32, {HD}, rand(HD, 1.0f));
    }
    if (arch_ == "olmoe") {
      w.add_tensor(p + "attn_q_norm.weight", GgmlType::F32, {H * HD}, rand(H * HD, 1.0f));
      w.add_tensor(p + "attn_k_norm.weight", GgmlType::F32, {KV * HD}, rand(KV * HD, 1.0f));
    }
  }

  void ffn(GgufWriter& w, const std::string& p, int64_t l, bool moe) {
    if (!moe || (arch_ == "deepseek2" && l == 0)) {
      w.add_tensor(p + "ffn_gate.weight", GgmlType::F32, {E, F}, rand(E * F, 0.3f));
      w.add_tensor(p + "ffn_up.weight", GgmlType::F32, {E, F}, rand(E * F, 0.3f));
      w.add_tensor(p + "ffn_down.weight", GgmlType::F32, {F, E}, rand(E * F, 0.3f));
      return;
    }
    const int64_t X = s_.n_expert;
    w.add_tensor(p + "ffn_gate_inp.weight", GgmlType::F32, {E, X}, rand(E * X, 1.0f));
    w.add_tensor(p + "ffn_gate_exps.weight", GgmlType::F32, {E, FE, X}, rand(E * FE * X, 0.3f));
    w.add_tensor(p + "ffn_up_exps.weight", GgmlType::F32, {E, FE, X}, rand(E * FE * X, 0.3f));
    w.add_tensor(p + "ffn_down_exps.weight", GgmlType::F32, {FE, E, X}, rand(E * FE * X, 0.3f));
    if (arch_ == "deepseek2" && s_.sigmoid) w.add_tensor(p + "exp_probs_b.bias", GgmlType::F32, {X}, rand(X, 0.1f));
    if (arch_ == "deepseek2" || arch_ == "qwen2moe") {
      w.add_tensor(p + "ffn_gate_shexp.weight", GgmlType::F32, {E, FE}, rand(E * FE, 0.3f));
      w.add_tensor(p + "ffn_up_shexp.weight", GgmlType::F32, {E, FE}, rand(E * FE, 0.3f));
      w.add_tensor(p + "ffn_down_shexp.weight", GgmlType::F32, {FE, E}, rand(E * FE, 0.3f));
    }
    if (arch_ == "qwen2moe") w.add_tensor(p + "ffn_gate_inp_shexp.weight", GgmlType::F32, {E, 1}, rand(E, 0.3f));
  }

  void layer(GgufWriter& w, const std::string& p, int64_t l, bool moe) {
    w.add_tensor(p + "attn_norm.weight", GgmlType::F32, {E}, ones(E));
    w.add_tensor(p + "ffn_norm.weight", GgmlType::F32, {E}, ones(E));
    attention(w, p);
    ffn(w, p, l, moe);
  }

  TinySpec s_;
  std::string arch_;
  std::mt19937 rng_;
};

}  // namespace frugal
