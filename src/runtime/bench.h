// Throughput measurement: prompt processing and generation speed, memory read bandwidth.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/engine.h"

namespace frugal {

struct BenchSample {
  double seconds = 0;
  int64_t tokens = 0;
  double tps() const { return seconds > 0 ? double(tokens) / seconds : 0; }
};

// Fills sequence 0 of `cache` with `depth` random tokens (untimed): the context a measurement
// starts from (llama-bench -d).
void bench_fill(Engine& engine, KvCache& cache, int64_t depth, int32_t batch_size, uint64_t seed);
// Prompt processing: n_prompt random tokens after what sequence 0 of `cache` holds, in batches
// of batch_size; the cache is truncated back afterwards, so repetitions start alike.
BenchSample bench_prompt(Engine& engine, KvCache& cache, int64_t n_prompt, int32_t batch_size, uint64_t seed);
// Generation: n_gen single-token forward passes after what sequence 0 holds (like llama-bench
// tg), then the cache truncated back.
BenchSample bench_generate(Engine& engine, KvCache& cache, int64_t n_gen, uint64_t seed);

// Bytes per second that the pool's threads read from a buffer far larger than the caches
// (median of `reps` passes over `bytes`), with the widest loads of `isa` (kernels::read_all).
double measure_read_bandwidth(ThreadPool& pool, uint64_t bytes = uint64_t(1) << 30, int reps = 5,
                              kernels::Isa isa = kernels::Isa::Auto);

// Peak resident set size of this process since it started or since the last
// reset_peak_rss(), in bytes (VmHWM).
uint64_t peak_rss_bytes();
// Starts a new peak-RSS measurement at the current resident size (Linux /proc/self/clear_refs);
// returns false where the kernel does not allow it (the peak then stays the process's).
bool reset_peak_rss();

double median(std::vector<double> v);
double stddev(const std::vector<double>& v);

}  // namespace frugal
