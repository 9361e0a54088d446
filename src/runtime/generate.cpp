// Single-sequence generation loop with prefix reuse.
#include "runtime/generate.h"

#include <algorithm>

#include "base/error.h"
#include "base/timer.h"

namespace frugal {

std::vector<float> prefill(Engine& engine, KvCache& cache, const std::vector<int32_t>& tokens, int32_t seq,
                           int32_t pos0, int32_t batch_size) {
  FRUGAL_CHECK(!tokens.empty(), "empty prompt");
  FRUGAL_CHECK(batch_size > 0, "batch size must be positive");
  const int64_t n_vocab = engine.model().info().n_vocab;
  std::vector<float> logits(static_cast<size_t>(n_vocab));
  Batch batch;
  for (size_t begin = 0; begin < tokens.size(); begin += size_t(batch_size)) {
    const size_t end = std::min(tokens.size(), begin + size_t(batch_size));
    batch.clear();
    for (size_t i = begin; i < end; ++i) batch.add(tokens[i], pos0 + int32_t(i), seq, i + 1 == tokens.size());
    engine.model().forward(engine.context(), batch, cache, logits.data());
  }
  return logits;
}

Sequence::Sequence(Engine& engine, int64_t n_ctx) : engine_(engine), cache_(engine.new_cache(n_ctx)) {}

void Sequence::reset() {
  cache_->clear(0);
  tokens_.clear();
}

std::vector<float> Sequence::feed_prompt(const std::vector<int32_t>& prompt, int32_t batch_size,
                                         GenerateStats* stats) {
  // Reuse the longest cached prefix, but always recompute at least the last prompt token
  // (its logits are needed).
  size_t keep = 0;
  while (keep < tokens_.size() && keep + 1 < prompt.size() && tokens_[keep] == prompt[keep]) ++keep;
  cache_->truncate(0, int64_t(keep));
  tokens_.resize(keep);
  const std::vector<int32_t> rest(prompt.begin() + std::ptrdiff_t(keep), prompt.end());
  Timer timer;
  auto logits = prefill(engine_, *cache_, rest, 0, int32_t(keep), batch_size);
  tokens_.insert(tokens_.end(), rest.begin(), rest.end());
  if (stats) {
    stats->n_reused = int64_t(keep);
    stats->n_prompt = int64_t(rest.size());
    stats->prompt_seconds = timer.seconds();
  }
  return logits;
}

std::vector<int32_t> Sequence::generate(const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                                        const TextCallback& on_text, GenerateStats* stats) {
  FRUGAL_CHECK(int64_t(prompt.size()) < cache_->n_ctx(), "prompt of {} tokens does not fit the context of {}",
               prompt.size(), cache_->n_ctx());
  const Tokenizer& tok = engine_.tokenizer();
  Sampler sampler(opt.sampling, engine_.model().info().n_vocab);
  StreamDecoder decoder(tok);
  std::vector<int32_t> history = prompt, out;
  std::vector<float> logits = feed_prompt(prompt, opt.batch_size, stats);
  Timer timer;
  Batch batch;
  bool eog = false;
  while (opt.n_predict < 0 || int32_t(out.size()) < opt.n_predict) {
    const int32_t next = sampler.sample(logits.data(), history);
    if (opt.stop_at_eog && tok.is_eog(next)) {
      eog = true;
      break;
    }
    out.push_back(next);
    history.push_back(next);
    const std::string text = decoder.push(next);
    if (!text.empty() && on_text && !on_text(text)) break;
    const int64_t pos = int64_t(tokens_.size());
    if (pos + 1 >= cache_->n_ctx()) break;
    if (opt.n_predict >= 0 && int32_t(out.size()) == opt.n_predict) break;  // no forward after the last one
    batch.clear();
    batch.add(next, int32_t(pos), 0, true);
    engine_.model().forward(engine_.context(), batch, *cache_, logits.data());
    tokens_.push_back(next);
  }
  const std::string rest = decoder.flush();
  if (!rest.empty() && on_text) on_text(rest);
  if (stats) {
    stats->n_generated = int64_t(out.size());
    stats->generate_seconds = timer.seconds();
    stats->stopped_by_eog = eog;
  }
  return out;
}

}  // namespace frugal
