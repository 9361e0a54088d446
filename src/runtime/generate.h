// Single-sequence text generation: prompt processing in chunks, then sampled decode steps.
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
  int64_t n_prompt = 0;
  double prompt_seconds = 0;
  int64_t n_generated = 0;
  double generate_seconds = 0;
  double prompt_tps() const { return prompt_seconds > 0 ? double(n_prompt) / prompt_seconds : 0; }
  double generate_tps() const { return generate_seconds > 0 ? double(n_generated) / generate_seconds : 0; }
};

// Called with each piece of newly complete UTF-8 text; return false to stop.
using TextCallback = std::function<bool(const std::string&)>;

// Runs `prompt` through the model on sequence 0 of `cache`, then generates. Returns the ids
// generated (text goes to on_text as it is produced).
std::vector<int32_t> generate(Engine& engine, KvCache& cache, const std::vector<int32_t>& prompt,
                              const GenerateOptions& opt, const TextCallback& on_text, GenerateStats* stats);

// Processes tokens [0, n) of `tokens` on `seq` starting at position `pos0` in batches of
// batch_size, and returns the logits of the last token (n_vocab values).
std::vector<float> prefill(Engine& engine, KvCache& cache, const std::vector<int32_t>& tokens, int32_t seq,
                           int32_t pos0, int32_t batch_size);

}  // namespace frugal
