// Sampler cost per token over a 151,680-entry vocabulary (Qwen-sized): greedy, and the default
// chain (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05). The sampler runs on the calling
// thread between decode steps while the other threads wait, so its time adds to every token.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "sampling/sampler.h"

namespace {

using namespace frugal;

std::vector<float> random_logits(int64_t n) {
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0, 3);
  std::vector<float> l(static_cast<size_t>(n));
  for (auto& v : l) v = g(rng);
  return l;
}

void bm_sample(benchmark::State& st, SamplerOptions opt) {
  const int64_t n = 151680;
  const std::vector<float> l = random_logits(n);
  Sampler s(opt, n);
  for (auto _ : st) benchmark::DoNotOptimize(s.sample(l.data(), {}));
}

SamplerOptions greedy() {
  SamplerOptions o;
  o.temperature = 0;
  return o;
}

SamplerOptions top_p_only() {
  SamplerOptions o;
  o.top_k = 0;
  return o;
}

BENCHMARK_CAPTURE(bm_sample, greedy, greedy())->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_sample, default_chain, SamplerOptions{})->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_sample, top_k_off, top_p_only())->Unit(benchmark::kMicrosecond);

}  // namespace
