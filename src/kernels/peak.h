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

// One thread's loop: `iters` rounds of 8-bit dot products; returns the multiply-adds done
// (each ISA file defines its own).
uint64_t int8_macs_avx512(int64_t iters);
uint64_t int8_macs_avx2(int64_t iters);

}  // namespace frugal::kernels
