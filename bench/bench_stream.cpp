// Decode (one-token) matmuls against the read bandwidth measured in the same moment. The shared
// host's bandwidth swings by tens of percent within seconds, so each iteration times a read pass
// (kernels::read_all, the loop `frugal bench` measures bandwidth with) and a kernel pass over
// equal bytes back to back; the reported `of_read` is the median of the per-iteration ratios
// (kernel bytes/s over read bytes/s), the kernels' streaming efficiency that the generation
// roofline depends on.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/huge_pages.h"
#include "base/thread_pool.h"
#include "kernels/matmul.h"
#include "kernels/peak.h"
#include "kernels/quant/formats.h"
#include "kernels/repack/repacker.h"

namespace {

using namespace frugal;
using namespace frugal::kernels;

constexpr size_t kPass = 192ull << 20;  // bytes per pass: far beyond the L3

struct Shape {
  GgmlType type;
  int64_t rows, cols;
};

// One matrix of random Gaussian weights repacked into `layout`.
std::vector<uint8_t> make_rows16(ThreadPool& pool, const Shape& s, WeightLayout layout) {
  const FormatDesc& f = format_of(s.type);
  const size_t rb = size_t(s.cols / f.block_elems * f.block_bytes);
  std::mt19937 rng(uint32_t(s.rows * 31 + s.cols));
  std::normal_distribution<float> g(0, 0.02f);
  std::vector<float> src(size_t(s.cols));
  std::vector<uint8_t> plain(rb * size_t(s.rows)), packed(plain.size());
  for (int64_t r = 0; r < s.rows; ++r) {
    for (auto& v : src) v = g(rng);
    f.quantize(src.data(), plain.data() + size_t(r) * rb, s.cols);
  }
  repack_rows16(pool, {s.type, s.rows, s.cols, plain.data(), rb}, 1, plain.size(), packed.data(), layout);
  return packed;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// shapes: a sequence of matrices repeated until kPass bytes (e.g. one transformer layer).
void bm_stream_ratio(benchmark::State& st, std::vector<Shape> shapes, int threads) {
  ThreadPool pool(threads);
  std::vector<std::vector<uint8_t>> one;
  size_t unit = 0;
  const Kernels k = Kernels::select(Isa::Auto);
  const WeightLayout layout = rows16_layout(k.isa());
  if (!is_rows16(layout)) return st.SkipWithError("the Rows16 kernels need AVX2");
  for (const auto& s : shapes) unit += one.emplace_back(make_rows16(pool, s, layout)).size();
  const size_t reps = std::max<size_t>(1, kPass / unit), bytes = reps * unit, read_units = bytes / 4096;
  const HugePageBuffer weights(bytes), reads(bytes);  // huge pages, like the engine's weights
  std::vector<WeightMatrix> mats;
  for (size_t r = 0, at = 0; r < reps; ++r)
    for (size_t i = 0; i < shapes.size(); ++i) {
      std::memcpy(weights.data() + at, one[i].data(), one[i].size());
      const Shape& s = shapes[i];
      mats.push_back({s.type, s.rows, s.cols, weights.data() + at, one[i].size() / size_t(s.rows), layout});
      at += one[i].size();
    }
  std::memset(reads.data(), 1, bytes);
  int64_t max_cols = 0, max_rows = 0;
  for (const auto& s : shapes) max_cols = std::max(max_cols, s.cols), max_rows = std::max(max_rows, s.rows);
  std::vector<float> x(size_t(max_cols), 0.5f);
  std::vector<float> y(static_cast<size_t>(max_rows));
  std::vector<uint64_t> sink(size_t(threads) * 8);
  std::vector<double> ratios;
  double kernel_s = 0;
  for (auto _ : st) {
    auto t0 = std::chrono::steady_clock::now();
    pool.parallel_static(int64_t(read_units), [&](int64_t b, int64_t e, int tid) {
      sink[size_t(tid) * 8] = read_all(Isa::Auto, reads.data() + uint64_t(b) * 4096, uint64_t(e - b) * 4096);
    });
    const double read_s = seconds_since(t0) * double(bytes) / double(read_units * 4096);  // per `bytes`
    t0 = std::chrono::steady_clock::now();
    for (const auto& w : mats) k.matmul(pool, w, x.data(), 1, w.cols, y.data(), w.rows);
    const double mat_s = seconds_since(t0);
    benchmark::DoNotOptimize(y.data());
    benchmark::DoNotOptimize(sink.data());
    ratios.push_back(read_s / mat_s);
    kernel_s += mat_s;
    st.SetIterationTime(mat_s);
  }
  std::sort(ratios.begin(), ratios.end());
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(bytes));
  st.counters["of_read"] = ratios.empty() ? 0 : ratios[ratios.size() / 2];
}

int register_all() {
  const GgmlType q4k = GgmlType::Q4_K, q6k = GgmlType::Q6_K, q8 = GgmlType::Q8_0;
  struct Case {
    std::string name;
    std::vector<Shape> shapes;
  };
  const std::vector<Case> cases = {
      {"Q4_K/8192x2048", {{q4k, 8192, 2048}}},
      {"Q6_K/2048x8192", {{q6k, 2048, 8192}}},
      {"Q8_0/8192x2048", {{q8, 8192, 2048}}},
      {"Q4_K/2048x2048", {{q4k, 2048, 2048}}},
      {"Q4_K/512x2048", {{q4k, 512, 2048}}},
      // A Llama-3.2-1B layer as Q4_K_M stores it: q k v o gate up down.
      {"llama1b_layer",
       {{q4k, 2048, 2048}, {q4k, 512, 2048}, {q6k, 512, 2048}, {q4k, 2048, 2048}, {q4k, 8192, 2048}, {q4k, 8192, 2048},
        {q6k, 2048, 8192}}},
  };
  for (const auto& c : cases)
    for (int threads : {1, 2})
      benchmark::RegisterBenchmark(("stream_ratio/" + c.name + "/thr" + std::to_string(threads)).c_str(),
                                   bm_stream_ratio, c.shapes, threads)
          ->Unit(benchmark::kMillisecond)
          ->UseManualTime()
          ->MinTime(2.0);
  return 0;
}

const int registered = register_all();

}  // namespace
