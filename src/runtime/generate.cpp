// Single-sequence generation loop.
#include "runtime/generate.h"

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

std::vector<int32_t> generate(Engine& engine, KvCache& cache, const std::vector<int32_t>& prompt,
                              const GenerateOptions& opt, const TextCallback& on_text, GenerateStats* stats) {
  FRUGAL_CHECK(int64_t(prompt.size()) < cache.n_ctx(), "prompt of {} tokens does not fit the context of {}",
               prompt.size(), cache.n_ctx());
  const Tokenizer& tok = engine.tokenizer();
  const int64_t n_vocab = engine.model().info().n_vocab;
  Sampler sampler(opt.sampling, n_vocab);
  StreamDecoder decoder(tok);
  std::vector<int32_t> history = prompt, out;

  Timer timer;
  std::vector<float> logits = prefill(engine, cache, prompt, 0, 0, opt.batch_size);
  if (stats) {
    stats->n_prompt = int64_t(prompt.size());
    stats->prompt_seconds = timer.seconds();
  }
  timer.reset();
  Batch batch;
  for (int32_t i = 0; opt.n_predict < 0 || i < opt.n_predict; ++i) {
    const int32_t next = sampler.sample(logits.data(), history);
    if (opt.stop_at_eog && tok.is_eog(next)) break;
    out.push_back(next);
    history.push_back(next);
    const std::string text = decoder.push(next);
    if (!text.empty() && on_text && !on_text(text)) break;
    const int32_t pos = int32_t(history.size()) - 1;
    if (pos + 1 >= cache.n_ctx()) break;
    if (opt.n_predict >= 0 && i + 1 == opt.n_predict) break;  // no forward needed after the last token
    batch.clear();
    batch.add(next, pos, 0, true);
    engine.model().forward(engine.context(), batch, cache, logits.data());
  }
  const std::string rest = decoder.flush();
  if (!rest.empty() && on_text) on_text(rest);
  if (stats) {
    stats->n_generated = int64_t(out.size());
    stats->generate_seconds = timer.seconds();
  }
  return out;
}

}  // namespace frugal
