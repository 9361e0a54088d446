// The arithmetic limit of the prompt-processing kernels: how many 8-bit integer multiply-adds
// per second the ISA's dot-product instruction sustains on every thread of a pool, with all
// operands in registers (no memory traffic).
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "kernels/matmul.h"

namespace frugal::kernels {

// Multiply-adds per second summed over the pool's threads, for about `seconds` of work; 0 for
// ISAs without integer dot products (Reference, Scalar).
double measure_int8_peak(ThreadPool& pool, Isa isa, double seconds = 0.2);

// The memory limit of generation: a read loop with the widest loads of `isa` (one 64-byte
// vector per cache line with AVX-512, two with AVX2, four 16-byte vectors with NEON, 8-byte
// words otherwise); narrower loads
// keep fewer cache lines in flight per core and under-state the bandwidth by 5-10% (measured on
// Zen 5). Returns the XOR of the 8-byte words at p (n: a multiple of 256, p: 64-byte aligned),
// so the loads cannot be dropped.
uint64_t read_all(Isa isa, const uint8_t* p, uint64_t n);
uint64_t read_all_avx512(const uint8_t* p, uint64_t n);
uint64_t read_all_avx2(const uint8_t* p, uint64_t n);
uint64_t read_all_neon(const uint8_t* p, uint64_t n);

// One thread's loop: `iters` rounds of 8-bit dot products; returns the multiply-adds done
// (each ISA file defines its own).
uint64_t int8_macs_avx512(int64_t iters);
uint64_t int8_macs_avx2(int64_t iters);
uint64_t int8_macs_neon(int64_t iters);

}  // namespace frugal::kernels
