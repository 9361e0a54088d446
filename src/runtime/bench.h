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

// Prompt processing: n_prompt random tokens from an empty cache, in batches of batch_size.
BenchSample bench_prompt(Engine& engine, int64_t n_prompt, int32_t batch_size, uint64_t seed);
// Generation: n_gen single-token forward passes from an empty cache (like llama-bench tg).
BenchSample bench_generate(Engine& engine, int64_t n_gen, uint64_t seed);

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
