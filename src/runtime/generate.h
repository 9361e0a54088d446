// Text generation on one sequence: prompt processing in chunks (reusing a cached prefix), then
// sampled decode steps with streaming UTF-8-safe output.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime/engine.h"
#include "sampling/sampler.h"

namespace frugal {

struct GenerateOptions {
  int32_t n_predict = 128;     // tokens to generate (-1: until end of generation or context)
  int32_t batch_size = 512;    // prompt tokens per forward pass
  bool stop_at_eog = true;
  SamplerOptions sampling;
};

struct GenerateStats {
  int64_t n_prompt = 0;        // prompt tokens processed (excluding a reused prefix)
  int64_t n_reused = 0;        // prompt tokens found in the cache
  double prompt_seconds = 0;
  int64_t n_generated = 0;
  double generate_seconds = 0;
  bool stopped_by_eog = false;
  double prompt_tps() const { return prompt_seconds > 0 ? double(n_prompt) / prompt_seconds : 0; }
  double generate_tps() const { return generate_seconds > 0 ? double(n_generated) / generate_seconds : 0; }
};

// Called with each piece of newly complete UTF-8 text; return false to stop.
using TextCallback = std::function<bool(const std::string&)>;

// One sequence's cache together with the tokens it holds, so a new prompt that extends an
// earlier one (a chat turn) only processes what is new.
class Sequence {
 public:
  Sequence(Engine& engine, int64_t n_ctx);
  // Generates after `prompt` (the full text so far, as tokens). Returns the generated ids.
  std::vector<int32_t> generate(const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                                const TextCallback& on_text, GenerateStats* stats);
  void reset();
  const std::vector<int32_t>& tokens() const { return tokens_; }
  int64_t n_ctx() const { return cache_->n_ctx(); }
  const KvCache& cache() const { return *cache_; }

 private:
  // Brings the cache to hold `prompt` and returns the logits after its last token.
  std::vector<float> feed_prompt(const std::vector<int32_t>& prompt, int32_t batch_size, GenerateStats* stats);

  Engine& engine_;
  std::unique_ptr<KvCache> cache_;
  std::vector<int32_t> tokens_;  // tokens whose K/V are in the cache, in order
};

// Processes `tokens` on `seq` starting at position `pos0` in batches of batch_size, and
// returns the logits of the last token (n_vocab values).
std::vector<float> prefill(Engine& engine, KvCache& cache, const std::vector<int32_t>& tokens, int32_t seq,
                           int32_t pos0, int32_t batch_size);

}  // namespace frugal
