// Micro-benchmarks of the matmul kernels (every format x ISA x layout, decode and prompt shapes) and a
// STREAM-like memory read test, reporting weight bytes streamed per second and GFLOP/s.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/fp16.h"
#include "base/thread_pool.h"
#include "kernels/matmul.h"
#include "kernels/peak.h"
#include "kernels/quant/formats.h"
#include "kernels/repack/repacker.h"

namespace {

using namespace frugal;
using namespace frugal::kernels;

constexpr size_t kWorkingSet = 256ull << 20;  // rotate over copies so weights come from DRAM

// Random weights for one matrix: quantize Gaussian rows of 256 values, tile them.
std::vector<uint8_t> make_matrix(GgmlType t, int64_t rows, int64_t cols) {
  const FormatDesc& f = format_of(t);
  const size_t rb = size_t(cols / f.block_elems * f.block_bytes);
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0, 0.02f);
  std::vector<float> src(static_cast<size_t>(cols));
  for (auto& v : src) v = g(rng);
  std::vector<uint8_t> row(rb), out(rb * size_t(rows));
  f.quantize(src.data(), row.data(), cols);
  for (int64_t r = 0; r < rows; ++r) std::memcpy(out.data() + size_t(r) * rb, row.data(), rb);
  return out;
}

// hot: the same matrix every iteration (cache-resident when small): the kernels' compute ceiling.
// repack: the weights in the ISA's Rows16 layout (as the engine stores them for AVX-512 and AVX2).
void bm_matmul(benchmark::State& st, GgmlType type, Isa isa, int64_t rows, int64_t cols, int64_t n_tok, int threads,
               bool hot, bool repack) {
  auto one = make_matrix(type, rows, cols);
  ThreadPool pool(threads);
  const WeightLayout layout = repack ? rows16_layout(isa) : WeightLayout::Plain;
  if (repack) {
    std::vector<uint8_t> packed(one.size());
    repack_rows16(pool, {type, rows, cols, one.data(), one.size() / size_t(rows)}, 1, one.size(), packed.data(),
                  layout);
    one.swap(packed);
  }
  const size_t copies = hot ? 1 : std::max<size_t>(1, kWorkingSet / one.size());
  std::vector<uint8_t> all(one.size() * copies);
  for (size_t i = 0; i < copies; ++i) std::memcpy(all.data() + i * one.size(), one.data(), one.size());
  std::vector<float> x(size_t(n_tok * cols)), y(size_t(n_tok * rows));
  std::mt19937 rng(2);
  std::normal_distribution<float> g(0, 1);
  for (auto& v : x) v = g(rng);
  const Kernels k = Kernels::select(isa);
  size_t i = 0;
  for (auto _ : st) {
    const WeightMatrix w{type, rows, cols, all.data() + (i++ % copies) * one.size(), one.size() / size_t(rows), layout};
    k.matmul(pool, w, x.data(), n_tok, cols, y.data(), rows);
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(one.size()));
  st.counters["GFLOPs"] = benchmark::Counter(2.0 * double(rows * cols * n_tok) * double(st.iterations()) / 1e9,
                                             benchmark::Counter::kIsRate);
}

// Sums a buffer much larger than the caches: the machine's sustainable read bandwidth.
void bm_mem_read(benchmark::State& st, int threads) {
  const size_t units = (1ull << 30) / 4096;
  std::vector<uint8_t> storage(units * 4096 + 64, 1);
  uint8_t* const data = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
  ThreadPool pool(threads);
  std::vector<uint64_t> sums(size_t(threads) * 8);
  for (auto _ : st) {
    pool.parallel_static(int64_t(units), [&](int64_t b, int64_t e, int tid) {
      sums[size_t(tid) * 8] = read_all(Isa::Auto, data + uint64_t(b) * 4096, uint64_t(e - b) * 4096);
    });
    benchmark::DoNotOptimize(sums.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(units * 4096));
}

int register_all() {
  for (int threads : {1, 2})
    benchmark::RegisterBenchmark(("mem_read/thr" + std::to_string(threads)).c_str(), bm_mem_read, threads)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  const GgmlType types[] = {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q4_K,
                            GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::F16,  GgmlType::BF16, GgmlType::F32};
  // rows x cols; 1408 x 2048 is a DeepSeek-V2-Lite expert (run with 24 tokens, about an expert's
  // share of a 256-token prompt); the last shape is small and reused every iteration ("hot": from L2).
  const int64_t shapes[][2] = {{2048, 2048}, {8192, 2048}, {2048, 8192}, {1408, 2048}, {256, 2048}};
  // "avx512r" / "avx2r": on Rows16 (repacked) weights, as the engine runs them.
  const std::pair<Isa, bool> variants[] = {{Isa::Avx512, true}, {Isa::Avx512, false}, {Isa::Avx2, true},
                                           {Isa::Avx2, false},  {Isa::Scalar, false}, {Isa::Reference, false}};
  for (const auto& [isa, repack] : variants) {
    if (!cpu_supports(isa)) continue;
    for (GgmlType t : types)
      for (const auto& s : shapes)
        for (int64_t n_tok : {1, 2, 24, 64, 256})
          for (int threads : {1, 2}) {
            const FormatDesc& f = format_of(t);
            const WeightMatrix probe{t, s[0], s[1], nullptr, uint64_t(s[1] / f.block_elems * f.block_bytes)};
            if (isa == Isa::Reference && n_tok > 1) continue;
            if (repack && !can_repack_rows16(probe)) continue;
            if (n_tok == 256 && ((isa != Isa::Avx512 && !repack) || s[0] == 256)) continue;
            // The MoE expert shape runs ~24 tokens (an expert's share); the hot shape also does, which
            // separates the kernel's own cost at that tile count from fetching the expert.
            if (s[0] == 1408 ? n_tok != 24 : n_tok == 24 && s[0] != 256) continue;
            if (n_tok == 2 && (s[0] != 256 || !repack)) continue;  // two sequences' decode, kernel cost only
            const bool hot = s[0] == 256;
            const std::string name = std::string("matmul/") + f.name + "/" + isa_name(isa) + (repack ? "r/" : "/") +
                                     std::to_string(s[0]) + "x" + std::to_string(s[1]) + (hot ? "hot" : "") +
                                     "/tok" + std::to_string(n_tok) + "/thr" + std::to_string(threads);
            benchmark::RegisterBenchmark(name.c_str(), bm_matmul, t, isa, s[0], s[1], n_tok, threads, hot, repack)
                ->Unit(benchmark::kMicrosecond)
                ->UseRealTime();
          }
  }
  return 0;
}

const int kRegistered = register_all();

}  // namespace
