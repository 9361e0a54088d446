// `frugal run`: generate text from a prompt, streaming it, then print speed.
#include <cstdio>
#include <fstream>
#include <random>

#include "apps/commands.h"
#include "apps/common.h"
#include "base/error.h"
#include "runtime/bench.h"
#include "runtime/generate.h"

namespace frugal::cli {

namespace {
struct RunArgs {
  ModelArgs model;
  std::string prompt;
  std::string prompt_file;
  int32_t n_predict = 128;
  int64_t ctx = 0;
  int32_t batch = 512;
  bool no_bos = false;
  bool parse_special = false;
  bool verbose = false;
  bool ignore_eog = false;
  SamplerOptions sampling;
  int64_t seed = -1;
};

void run(const RunArgs& a) {
  Engine engine(a.model.engine_options());
  const Tokenizer& tok = engine.tokenizer();
  std::string text = a.prompt;
  if (!a.prompt_file.empty()) {
    std::ifstream f(a.prompt_file, std::ios::binary);
    FRUGAL_CHECK(f.good(), "{}: cannot open prompt file", a.prompt_file);
    text.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  EncodeOptions enc;
  enc.add_special = !a.no_bos;
  enc.parse_special = a.parse_special;
  std::vector<int32_t> prompt = tok.encode(text, enc);
  FRUGAL_CHECK(!prompt.empty(), "the prompt is empty (give -p TEXT, or leave --no-bos off)");
  Sequence seq(engine, a.ctx);
  const auto& info = engine.model().info();
  if (a.verbose) {
    std::fprintf(stderr, "model: %s (%s), %lld layers, vocab %lld, kernels %s, %d threads\n", info.name.c_str(),
                 info.arch.c_str(), (long long)info.n_layer, (long long)info.n_vocab,
                 kernels::isa_name(engine.kernels().isa()), engine.pool().size());
    std::fprintf(stderr, "kv cache: %s, %llu bytes per token (context %lld)\n",
                 kernels::kv_type_name(seq.cache().type()), (unsigned long long)seq.cache().bytes_per_token(),
                 (long long)seq.n_ctx());
    std::fprintf(stderr, "prompt: %zu tokens\n", prompt.size());
  }
  GenerateOptions g;
  g.n_predict = a.n_predict;
  g.batch_size = a.batch;
  g.stop_at_eog = !a.ignore_eog;
  g.sampling = a.sampling;
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  GenerateStats st;
  seq.generate(prompt, g, [](const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
    return true;
  }, &st);
  std::printf("\n");
  std::fprintf(stderr, "\nprompt: %lld tokens, %.2f tokens/s | generation: %lld tokens, %.2f tokens/s\n",
               (long long)st.n_prompt, st.prompt_tps(), (long long)st.n_generated, st.generate_tps());
  if (a.verbose)
    std::fprintf(stderr, "peak RSS: %llu bytes (model file %llu bytes)\n", (unsigned long long)peak_rss_bytes(),
                 (unsigned long long)engine.file().file_size());
}
}  // namespace

void register_run(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Generate text from a prompt");
  a->model.add_to(cmd);
  cmd->add_option("-p,--prompt", a->prompt, "prompt text");
  cmd->add_option("-f,--file", a->prompt_file, "read the prompt from a file");
  cmd->add_option("-n,--n-predict", a->n_predict, "tokens to generate (-1: until end of text)");
  cmd->add_option("-c,--ctx-size", a->ctx, "context size (default: the model's, at most 4096)");
  cmd->add_option("-b,--batch-size", a->batch, "prompt tokens per forward pass")->check(CLI::Range(1, 1 << 16));
  cmd->add_option("--temp", a->sampling.temperature, "temperature (0: greedy)")->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--top-k", a->sampling.top_k, "top-k (0: off)");
  cmd->add_option("--top-p", a->sampling.top_p, "top-p (1: off)");
  cmd->add_option("--min-p", a->sampling.min_p, "min-p (0: off)");
  cmd->add_option("--repeat-penalty", a->sampling.repeat_penalty, "repetition penalty (1: off)");
  cmd->add_option("--repeat-last-n", a->sampling.repeat_last_n, "penalty window in tokens (-1: all)");
  cmd->add_option("--presence-penalty", a->sampling.presence_penalty, "presence penalty");
  cmd->add_option("--frequency-penalty", a->sampling.frequency_penalty, "frequency penalty");
  cmd->add_option("-s,--seed", a->seed, "random seed (same seed, same output; -1: a random seed)");
  cmd->add_flag("--no-bos", a->no_bos, "do not add the BOS token");
  cmd->add_flag("--ignore-eog", a->ignore_eog, "keep generating past end-of-text tokens");
  cmd->add_flag("--parse-special", a->parse_special, "recognise special tokens written in the prompt");
  cmd->add_flag("-v,--verbose", a->verbose, "print model, kernel and cache details");
  cmd->callback([a] {
    a->sampling.seed = a->seed >= 0 ? uint64_t(a->seed) : std::random_device{}();
    run(*a);
  });
}

}  // namespace frugal::cli
