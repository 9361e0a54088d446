// Token sampling: penalties, temperature, top-k, top-p, min-p, seeded randomness.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace frugal {

struct SamplerOptions {
  float temperature = 0.8f;        // 0 = greedy (argmax)
  int32_t top_k = 40;              // 0 = off
  float top_p = 0.95f;             // 1 = off
  float min_p = 0.05f;             // 0 = off; keeps tokens with p >= min_p * p_max
  float repeat_penalty = 1.0f;     // 1 = off; CTRL-style divide/multiply of seen tokens' logits
  int32_t repeat_last_n = 64;      // history window for all penalties (-1 = whole history)
  float presence_penalty = 0.0f;   // subtracted once from tokens seen in the window
  float frequency_penalty = 0.0f;  // subtracted per occurrence in the window
  uint64_t seed = 0;
};

class Sampler {
 public:
  Sampler(const SamplerOptions& opt, int64_t n_vocab);
  // Picks the next token from `logits` (n_vocab values) given the tokens so far.
  int32_t sample(const float* logits, std::span<const int32_t> history);
  const SamplerOptions& options() const { return opt_; }

 private:
  void apply_penalties(std::vector<float>& l, std::span<const int32_t> history) const;
  double uniform();
  bool has_penalties(std::span<const int32_t> history) const;
  void take_top_k(std::span<const float> l, size_t k);
  double take_all(std::span<const float> l);

  SamplerOptions opt_;
  int64_t n_vocab_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> cand_;  // reused candidate buffer
  std::vector<float> work_;                      // reused: the logits after penalties
  std::vector<float> heap_;                      // reused: the k best values (a min-heap)
};

}  // namespace frugal
