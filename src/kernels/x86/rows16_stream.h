// ISA-neutral parts of the Rows16 micro-kernels (AVX2 and AVX-512 builds): the decode
// prefetch pattern and the compile-time table that picks a kernel for a call's token count.
// Everything is in an anonymous namespace (each ISA's build keeps its own copy).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "kernels/kernel_table.h"

namespace frugal::kernels {
namespace {

// Streaming (decode): prefetch the bytes kPrefetchDistance ahead of the block [g, g + n) into
// L1; the hardware prefetchers alone leave DRAM bandwidth unused on the interleaved layout.
// Into L1 rather than L2: on Zen 5 (ab2 harness, 2 threads, 256 MiB, one process) Q6_K then
// streams at 0.96-0.98 of the read rate instead of 0.80-0.91, Q4_K at 0.99 instead of 0.97.
// The distance, measured with the stream_ratio microbenchmark on Zen 5: one thread (each thread's
// share of a fast host) streams Q4_K 8192x2048 at 0.94-0.95 of the read rate with 6 KiB against
// 0.88-0.90 with 3 KiB (Q6_K 0.90-0.91 / 0.86-0.89, a llama-1B layer 0.92-0.93 / 0.87-0.88); with
// two threads at ~40 GB/s both give 0.97-1.0; 8 KiB and 12 KiB fall back (Q6_K 0.77-0.87).
// dense-1b tg128 over 40 repetitions each, interleaved: 0.829 of the roofline against 0.795 when
// the host read at >= 55 GB/s, 0.939 against 0.938 below.
constexpr int kPrefetchDistance = 6144;
// The line kPrefetchDistance past p.
inline void prefetch_line(const uint8_t* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchDistance), _MM_HINT_T0);
}
// Lines [g, g + n) kPrefetchDistance ahead. Kept a loop: fully unrolled, the burst of
// prefetches streams worse (Q6_K: 0.65 against 0.85 of the read rate, 2 threads on Zen 5).
inline void prefetch_ahead(const uint8_t* g, int n) {
#pragma GCC unroll 1
  for (int i = 0; i < n; i += 64) prefetch_line(g + i);
}

// Calls K<NT>::run for the call's tile size c.nt (1 <= nt <= Max) through a table built at
// compile time.
template <template <int> class K, int Max>
void by_tile(const uint8_t* g, const ActRows& x, const Rows16Call& c) {
  using Run = void (*)(const uint8_t*, const ActRows&, int64_t, int64_t, float*, int64_t);
  static constexpr auto table = []<int... I>(std::integer_sequence<int, I...>) {
    return std::array<Run, Max>{&K<I + 1>::run...};
  }(std::make_integer_sequence<int, Max>{});
  table[size_t(std::clamp(c.nt, 1, Max) - 1)](g, x, c.b0, c.b1, c.y, c.ldy);
}

}  // namespace
}  // namespace frugal::kernels
