// `frugal logits`: raw logits for a token sequence, for comparison with reference implementations.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "apps/commands.h"
#include "apps/common.h"
#include "base/error.h"
#include "runtime/engine.h"

namespace frugal::cli {

namespace {
struct LogitsArgs {
  ModelArgs model;
  std::string tokens;
  std::string text;
  std::string out;
  int32_t prefill = -1;
};

std::vector<int32_t> parse_ids(const std::string& s) {
  std::vector<int32_t> ids;
  std::istringstream in(s);
  std::string w;
  while (in >> w) {
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(w, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    FRUGAL_CHECK(used == w.size() && v >= 0 && v <= INT32_MAX, "--tokens: '{}' is not a token id", w);
    ids.push_back(int32_t(v));
  }
  return ids;
}

void logits(const LogitsArgs& a) {
  EngineOptions eo = a.model.engine_options();
  eo.load_tokenizer = !a.text.empty();
  Engine engine(eo);
  std::vector<int32_t> ids = a.text.empty() ? parse_ids(a.tokens) : engine.tokenizer().encode(a.text);
  FRUGAL_CHECK(!ids.empty(), "no tokens given (--tokens \"1 2 3\" or --text)");
  const int64_t n = int64_t(ids.size()), V = engine.model().info().n_vocab;
  const int64_t n_prefill = a.prefill < 0 ? n : std::min<int64_t>(a.prefill, n);
  auto cache = engine.new_cache(std::max<int64_t>(n, 16));
  std::vector<float> out(static_cast<size_t>(n * V));
  Batch batch;
  if (n_prefill > 0) {
    for (int64_t i = 0; i < n_prefill; ++i) batch.add(ids[size_t(i)], int32_t(i), 0, true);
    engine.model().forward(engine.context(), batch, *cache, out.data());
  }
  for (int64_t i = n_prefill; i < n; ++i) {
    batch.clear();
    batch.add(ids[size_t(i)], int32_t(i), 0, true);
    engine.model().forward(engine.context(), batch, *cache, out.data() + i * V);
  }
  if (a.out.empty()) {
    for (int64_t i = 0; i < n; ++i) {
      const float* row = out.data() + i * V;
      int64_t best = 0;
      for (int64_t j = 1; j < V; ++j) best = row[j] > row[best] ? j : best;
      std::printf("%lld: token %d -> argmax %lld (%.6f)\n", (long long)i, ids[size_t(i)], (long long)best, row[best]);
    }
    return;
  }
  std::ofstream f(a.out, std::ios::binary);
  FRUGAL_CHECK(f.good(), "{}: cannot open for writing", a.out);
  f.write(reinterpret_cast<const char*>(out.data()), std::streamsize(out.size() * sizeof(float)));
  FRUGAL_CHECK(f.good(), "{}: write failed", a.out);
}
}  // namespace

void register_logits(CLI::App& app) {
  auto a = std::make_shared<LogitsArgs>();
  CLI::App* cmd = app.add_subcommand("logits", "Compute raw logits for a token sequence (for checking against references)");
  a->model.add_to(cmd);
  cmd->add_option("--tokens", a->tokens, "token ids, space-separated");
  cmd->add_option("--text", a->text, "text to tokenize instead of --tokens");
  cmd->add_option("-o,--out", a->out, "write n_tokens x n_vocab float32 (little-endian) here; else print argmax");
  cmd->add_option("--prefill", a->prefill,
                  "process the first N tokens as one batch, then the rest one at a time (default: all in one batch)");
  cmd->callback([a] { logits(*a); });
}

}  // namespace frugal::cli
