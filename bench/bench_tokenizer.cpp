// Tokenizer speed: encode / decode 1 MB of English (tinyshakespeare) and load time, one thread.
// Vocabularies: the llama.cpp vocab files in ../shared/data/vocab, and the GGUFs the JS oracle test
// converts from Hugging Face (tok-<name>.gguf in $FRUGAL_TEST_TMP, default build/test-tmp).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/gguf.h"
#include "tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;

std::string vocab_path(const std::string& name) {
  const fs::path root(FRUGAL_SOURCE_DIR);
  const fs::path shared = root / ".." / "shared" / "data" / "vocab" / ("ggml-vocab-" + name + ".gguf");
  if (fs::exists(shared)) return shared.string();
  const char* tmp = std::getenv("FRUGAL_TEST_TMP");
  for (const fs::path& dir : {tmp ? fs::path(tmp) : fs::path(), root / "build" / "test-tmp", root / "build-tok" / "test-tmp"}) {
    if (dir.empty()) continue;
    const fs::path p = dir / ("tok-" + name + ".gguf");
    if (fs::exists(p)) return p.string();
  }
  return "";
}

// 1 MiB of English: tinyshakespeare repeated (or a fixed sentence when the file is absent).
std::string english_1mb() {
  std::string base;
  std::ifstream in(fs::path(FRUGAL_SOURCE_DIR) / ".." / "shared" / "data" / "tinyshakespeare.txt", std::ios::binary);
  if (in) {
    std::ostringstream ss;
    ss << in.rdbuf();
    base = ss.str();
  }
  if (base.empty()) base = "The quick brown fox jumps over the lazy dog; it's 42 degrees, isn't it?\n";
  std::string text;
  while (text.size() < (1u << 20)) text += base;
  text.resize(1u << 20);
  return text;
}

struct Loaded {
  std::unique_ptr<frugal::GgufFile> file;
  std::unique_ptr<frugal::Tokenizer> tok;
};

bool load(benchmark::State& state, const std::string& name, Loaded& out) {
  const std::string path = vocab_path(name);
  if (path.empty()) {
    state.SkipWithError(("vocab '" + name + "' not found (run js.test_tokenizer_hf to convert it)").c_str());
    return false;
  }
  out.file = frugal::GgufFile::open(path);
  out.tok = frugal::Tokenizer::from_gguf(*out.file);
  return true;
}

void BM_TokenizerEncode1MB(benchmark::State& state, const std::string& name) {
  Loaded t;
  if (!load(state, name, t)) return;
  const std::string text = english_1mb();
  size_t tokens = 0;
  for ([[maybe_unused]] auto _ : state) {
    auto ids = t.tok->encode(text, {.add_special = false});
    tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_TokenizerDecode1MB(benchmark::State& state, const std::string& name) {
  Loaded t;
  if (!load(state, name, t)) return;
  const std::string text = english_1mb();
  const auto ids = t.tok->encode(text, {.add_special = false});
  for ([[maybe_unused]] auto _ : state) {
    std::string s = t.tok->decode(ids);
    benchmark::DoNotOptimize(s.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_TokenizerLoad(benchmark::State& state, const std::string& name) {
  const std::string path = vocab_path(name);
  if (path.empty()) {
    state.SkipWithError(("vocab '" + name + "' not found").c_str());
    return;
  }
  auto f = frugal::GgufFile::open(path);
  for ([[maybe_unused]] auto _ : state) {
    auto tok = frugal::Tokenizer::from_gguf(*f);
    benchmark::DoNotOptimize(tok.get());
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_TokenizerEncode1MB, qwen3, std::string("qwen3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerEncode1MB, llama3, std::string("llama3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerEncode1MB, gptoss, std::string("gptoss"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerEncode1MB, gpt2, std::string("gpt-2"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerEncode1MB, llama_spm, std::string("llama-spm"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerDecode1MB, qwen3, std::string("qwen3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerLoad, qwen3, std::string("qwen3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerLoad, llama3, std::string("llama3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerLoad, gptoss, std::string("gptoss"))->Unit(benchmark::kMillisecond);
