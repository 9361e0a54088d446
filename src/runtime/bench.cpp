// Throughput measurement.
#include "runtime/bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

#include "base/error.h"
#include "base/huge_pages.h"
#include "base/timer.h"
#include "kernels/peak.h"

namespace frugal {

namespace {
std::vector<int32_t> random_tokens(int64_t n, int64_t n_vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& x : t) x = int32_t(rng() % uint64_t(n_vocab));
  return t;
}

// n random tokens at positions pos0.. of sequence 0 in batches of batch_size.
void run_tokens(Engine& engine, KvCache& cache, int64_t n, int32_t batch_size, uint64_t seed) {
  FRUGAL_CHECK(cache.length(0) + n <= cache.n_ctx(), "bench: {} + {} tokens exceed the cache's {} positions",
               cache.length(0), n, cache.n_ctx());
  const auto tokens = random_tokens(n, engine.model().info().n_vocab, seed);
  const int64_t pos0 = cache.length(0);
  std::vector<float> logits(static_cast<size_t>(engine.model().info().n_vocab));
  Batch b;
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    const int64_t end = std::min<int64_t>(n, begin + batch_size);
    b.clear();
    for (int64_t i = begin; i < end; ++i) b.add(tokens[size_t(i)], int32_t(pos0 + i), 0, i + 1 == end);
    engine.model().forward(engine.context(), b, cache, logits.data());
  }
}
}  // namespace

void bench_fill(Engine& engine, KvCache& cache, int64_t depth, int32_t batch_size, uint64_t seed) {
  cache.clear(0);
  if (depth > 0) run_tokens(engine, cache, depth, batch_size, seed ^ 0x5eed);
}

BenchSample bench_prompt(Engine& engine, KvCache& cache, int64_t n_prompt, int32_t batch_size, uint64_t seed) {
  const int64_t depth = cache.length(0);
  Timer t;
  run_tokens(engine, cache, n_prompt, batch_size, seed);
  const double s = t.seconds();
  cache.truncate(0, depth);
  return {s, n_prompt};
}

BenchSample bench_generate(Engine& engine, KvCache& cache, int64_t n_gen, uint64_t seed) {
  const int64_t depth = cache.length(0);
  Timer t;
  run_tokens(engine, cache, n_gen, 1, seed);
  const double s = t.seconds();
  cache.truncate(0, depth);
  return {s, n_gen};
}

double measure_read_bandwidth(ThreadPool& pool, uint64_t bytes, int reps, kernels::Isa isa) {
  constexpr uint64_t kUnit = 4096;  // parts of whole units: aligned for the widest loads
  const uint64_t units = std::max<uint64_t>(1, bytes / kUnit);
  bytes = units * kUnit;
  const HugePageBuffer mem(bytes);  // huge pages, like the repacked weights
  uint8_t* buf = mem.data();
  pool.parallel_static(int64_t(units), [&](int64_t b, int64_t e, int) {  // first touch on the reading thread
    for (int64_t u = b; u < e; ++u) std::memset(buf + uint64_t(u) * kUnit, int(u & 0xff), kUnit);
  });
  std::vector<uint64_t> sink(size_t(pool.size()) * 8, 0);
  std::vector<double> rates;
  for (int r = 0; r < reps; ++r) {
    Timer t;
    pool.parallel_static(int64_t(units), [&](int64_t b, int64_t e, int tid) {
      sink[size_t(tid) * 8] ^= kernels::read_all(isa, buf + uint64_t(b) * kUnit, uint64_t(e - b) * kUnit);
    });
    rates.push_back(double(bytes) / t.seconds());
  }
  volatile uint64_t keep = 0;
  for (auto s : sink) keep = keep ^ s;
  (void)keep;
  return median(rates);
}

uint64_t peak_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f) {
    char line[256];
    unsigned long long kb = 0;
    bool found = false;
    while (!found && std::fgets(line, sizeof line, f)) found = std::sscanf(line, "VmHWM: %llu kB", &kb) == 1;
    std::fclose(f);
    if (found) return uint64_t(kb) * 1024;
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return uint64_t(ru.ru_maxrss) * 1024;
}

bool reset_peak_rss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

double stddev(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= double(v.size());
  double s = 0;
  for (double x : v) s += (x - mean) * (x - mean);
  return std::sqrt(s / double(v.size() - 1));
}

}  // namespace frugal
