// Arithmetic-peak measurement for `frugal bench`.
#include "kernels/peak.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "base/timer.h"

namespace frugal::kernels {

double measure_int8_peak(ThreadPool& pool, Isa isa, double seconds) {
  if (isa == Isa::Auto) isa = detect_best_isa();
  uint64_t (*loop)(int64_t) = nullptr;
  if (isa == Isa::Avx512 && cpu_supports(Isa::Avx512)) loop = int8_macs_avx512;
  if (isa == Isa::Avx2 && cpu_supports(Isa::Avx2)) loop = int8_macs_avx2;
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
