// Arithmetic-peak measurement for `frugal bench`.
#include "kernels/peak.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "base/arch.h"
#include "base/timer.h"

namespace frugal::kernels {

uint64_t read_all(Isa isa, const uint8_t* p, uint64_t n) {
  if (isa == Isa::Auto) isa = detect_best_isa();
#if FRUGAL_X86
  if (isa == Isa::Avx512 && cpu_supports(Isa::Avx512)) return read_all_avx512(p, n);
  if (isa == Isa::Avx2 && cpu_supports(Isa::Avx2)) return read_all_avx2(p, n);
#elif FRUGAL_ARM64
  if (isa == Isa::Neon && cpu_supports(Isa::Neon)) return read_all_neon(p, n);
#endif
  const auto* w = reinterpret_cast<const uint64_t*>(p);
  uint64_t acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // independent lanes
  for (uint64_t i = 0; i + 8 <= n / 8; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] ^= w[i + uint64_t(k)];
  return acc[0] ^ acc[1] ^ acc[2] ^ acc[3] ^ acc[4] ^ acc[5] ^ acc[6] ^ acc[7];
}

double measure_int8_peak(ThreadPool& pool, Isa isa, double seconds) {
  if (isa == Isa::Auto) isa = detect_best_isa();
  uint64_t (*loop)(int64_t) = nullptr;
#if FRUGAL_X86
  if (isa == Isa::Avx512 && cpu_supports(Isa::Avx512)) loop = int8_macs_avx512;
  if (isa == Isa::Avx2 && cpu_supports(Isa::Avx2)) loop = int8_macs_avx2;
#elif FRUGAL_ARM64
  if (isa == Isa::Neon && cpu_supports(Isa::Neon)) loop = int8_macs_neon;
#endif
  if (!loop) return 0;
  // Calibrate on one thread, then every thread runs the same count; the slowest sets the time.
  int64_t iters = 1 << 14;
  for (;;) {
    Timer t;
    loop(iters);
    if (t.seconds() > seconds / 8 || iters > (int64_t(1) << 34)) break;
    iters *= 2;
  }
  iters *= 8;
  std::vector<double> best;
  for (int rep = 0; rep < 3; ++rep) {
    std::atomic<uint64_t> macs{0};
    Timer t;
    pool.parallel_static(pool.size(), [&](int64_t, int64_t, int) { macs += loop(iters); });
    best.push_back(double(macs.load()) / t.seconds());
  }
  return *std::max_element(best.begin(), best.end());
}

}  // namespace frugal::kernels
