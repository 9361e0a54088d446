// Micro-benchmarks of grouped decode attention (kernels/attention.h), one thread: the GQA group
// of a Llama-3.2-1B layer (4 query heads per KV head, 64 dims, cache rows of 8 KV heads) and
// absorbed latent attention (16 heads sharing 576-dim rows whose first 512 dims are the values).
// Reports cached positions per second and key/value bytes read per second. "perhead" is the
// loop the layer ran before: kernels::dot, softmax and axpy once per query head. "/f16" and
// "/q8_0" runs read a cache of that type (bytes counted with q8_0's scales).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "base/fp16.h"
#include "kernels/attention.h"
#include "kernels/ops.h"

namespace {

using namespace frugal::kernels;

struct Setup {
  std::vector<float> q, k, v, out, scratch;
  std::vector<uint16_t> k16, v16;  // k and v as halves, for KvType::F16
  std::vector<int8_t> k8, v8;      // k and v as q8_0 codes and scales
  std::vector<uint16_t> ks, vs;
  HeadGroup g{};
  int64_t bytes_per_pos = 0;  // key and value bytes one position reads

  // latent: v = k (rows of dk floats); else separate K and V caches. Rows are contiguous, as in
  // the engine's head-major cache (KvCache).
  Setup(int64_t n_q, int64_t dk, int64_t dv, int64_t n, bool latent, KvType kv = KvType::F32) {
    std::mt19937 rng(1);
    std::normal_distribution<float> d(0.0f, 1.0f);
    const int64_t stride = latent ? dk : std::max(dk, dv);
    q.resize(size_t(n_q * dk));
    k.resize(size_t(n * stride));
    if (!latent) v.resize(size_t(n * stride));
    for (auto* buf : {&q, &k, &v})
      for (auto& x : *buf) x = d(rng);
    out.resize(size_t(n_q * dv));
    g = {q.data(), dk, n_q, k.data(), stride, dk, latent ? k.data() : v.data(), stride, dv, n,
         1.0f / std::sqrt(float(dk)), out.data(), dv};
    if (kv == KvType::F16) {
      for (auto [from, to] : {std::pair{&k, &k16}, std::pair{&v, &v16}})
        for (float x : *from) to->push_back(frugal::float_to_fp16(x));
      g.k = k16.data();
      g.v = latent ? k16.data() : v16.data();
      g.kv = kv;
    }
    if (kv == KvType::Q8_0) {  // every stride-wide row quantized; the group reads its first dk / dv
      const int64_t ns = kv_row_scales(kv, stride);
      for (auto [from, codes, scales] : {std::tuple{&k, &k8, &ks}, std::tuple{&v, &v8, &vs}}) {
        const int64_t rows = int64_t(from->size()) / stride;
        codes->resize(from->size());
        scales->resize(size_t(rows * ns));
        for (int64_t j = 0; j < rows; ++j)
          to_q8_row(from->data() + j * stride, codes->data() + j * stride, scales->data() + j * ns, stride);
      }
      g.k = k8.data();
      g.v = latent ? k8.data() : v8.data();
      g.k_scales = ks.data();
      g.v_scales = latent ? ks.data() : vs.data();
      g.k_scale_stride = g.v_scale_stride = ns;
      g.kv = kv;
    }
    scratch.resize(size_t(attend_scratch_floats(g)));
    bytes_per_pos = latent ? kv_row_bytes(kv, dk) : kv_row_bytes(kv, dk) + kv_row_bytes(kv, dv);
  }
};

void report(benchmark::State& st, const Setup& s) {
  st.SetBytesProcessed(int64_t(st.iterations()) * s.g.n * s.bytes_per_pos);
  st.counters["pos/s"] = benchmark::Counter(double(s.g.n) * double(st.iterations()), benchmark::Counter::kIsRate);
}

void bm_attend(benchmark::State& st, Isa isa, KvType kv, int64_t n_q, int64_t dk, int64_t dv, int64_t n,
               bool latent) {
  Setup s(n_q, dk, dv, n, latent, kv);
  for (auto _ : st) {
    attend_group(isa, s.g, s.scratch);
    benchmark::DoNotOptimize(s.out.data());
  }
  report(st, s);
}

// Decode from memory, as in a long context: `copies` groups' caches (each layer's, in the engine)
// attended in turn, more bytes than the caches hold, so every row comes from DRAM.
void bm_attend_dram(benchmark::State& st, Isa isa, KvType kv, int64_t n_q, int64_t dk, int64_t dv, int64_t n,
                    int copies, bool latent) {
  std::vector<Setup> s;
  for (int i = 0; i < copies; ++i) s.emplace_back(n_q, dk, dv, n, latent, kv);
  int i = 0;
  for (auto _ : st) {
    attend_group(isa, s[size_t(i)].g, s[size_t(i)].scratch);
    benchmark::DoNotOptimize(s[size_t(i)].out.data());
    i = (i + 1) % copies;
  }
  report(st, s[0]);
}

// The per-head loop GqaAttention::attend ran before attend_group.
void bm_perhead(benchmark::State& st, int64_t n_q, int64_t dk, int64_t dv, int64_t n, bool latent) {
  Setup s(n_q, dk, dv, n, latent);
  const HeadGroup& g = s.g;
  for (auto _ : st) {
    for (int64_t i = 0; i < g.n_q; ++i) {
      float* p = s.scratch.data();
      for (int64_t j = 0; j < g.n; ++j) p[j] = dot(g.q + i * g.q_stride, s.k.data() + j * g.k_stride, g.dk) * g.scale;
      softmax(p, g.n);
      float* o = g.out + i * g.out_stride;
      std::fill(o, o + g.dv, 0.0f);
      const float* v = latent ? s.k.data() : s.v.data();
      for (int64_t j = 0; j < g.n; ++j) axpy(o, p[j], v + j * g.v_stride, g.dv);
    }
    benchmark::DoNotOptimize(s.out.data());
  }
  report(st, s);
}

int register_all() {
  struct Case {
    int64_t n_q, dk, dv, n;
    bool latent;
  };
  // Decode (one GQA group: 4 heads of 64 dims as Llama-3.2-1B, 8 of 128 as Qwen3-30B-A3B;
  // absorbed MLA) and prompt tiles (16 tokens x 4 GQA heads of 64 dims, x 8 of 128 as Qwen3-30B-A3B,
  // 16 tokens of one naive MLA head).
  const Case cases[] = {{4, 64, 64, 64, false},    {4, 64, 64, 512, false},  {4, 64, 64, 4096, false},
                        {8, 128, 128, 4096, false},
                        {16, 576, 512, 64, true}, {16, 576, 512, 512, true}, {16, 576, 512, 2048, true},
                        {64, 64, 64, 512, false}, {128, 128, 128, 512, false},
                        {16, 192, 128, 512, false}};
  for (const Case& c : cases) {
    const std::string shape = std::string(c.latent ? "mla" : "gqa") + "/h" + std::to_string(c.n_q) + "_d" +
                              std::to_string(c.dk) + "x" + std::to_string(c.dv) + "/n" + std::to_string(c.n);
    for (Isa isa : {Isa::Avx512, Isa::Avx2, Isa::Scalar}) {
      if (!cpu_supports(isa)) continue;
      for (KvType kv : {KvType::F32, KvType::F16, KvType::Q8_0}) {
        if (kv != KvType::F32 && isa == Isa::Scalar) continue;
        const std::string suffix = kv == KvType::F32 ? "" : std::string("/") + kv_type_name(kv);
        benchmark::RegisterBenchmark(("attend/" + shape + "/" + isa_name(isa) + suffix).c_str(), bm_attend, isa, kv,
                                     c.n_q, c.dk, c.dv, c.n, c.latent)
            ->Unit(benchmark::kMicrosecond);
      }
    }
    benchmark::RegisterBenchmark(("attend/" + shape + "/perhead").c_str(), bm_perhead, c.n_q, c.dk, c.dv, c.n,
                                 c.latent)
        ->Unit(benchmark::kMicrosecond);
  }
  // One GQA group's decode over 4096 positions, 64 groups' caches in turn (128 MiB as f32); absorbed
  // latent attention over 2048 positions, 24 layers' caches in turn (108 MiB as f32).
  for (Isa isa : {Isa::Avx512, Isa::Avx2}) {
    if (!cpu_supports(isa)) continue;
    for (KvType kv : {KvType::F32, KvType::F16, KvType::Q8_0}) {
      const std::string suffix =
          std::string(isa_name(isa)) + (kv == KvType::F32 ? "" : std::string("/") + kv_type_name(kv));
      benchmark::RegisterBenchmark(("attend/gqa/h4_d64x64/n4096/dram/" + suffix).c_str(), bm_attend_dram, isa, kv,
                                   4, 64, 64, 4096, 64, false)
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("attend/mla/h16_d576x512/n2048/dram/" + suffix).c_str(), bm_attend_dram, isa,
                                   kv, 16, 576, 512, 2048, 24, true)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return 0;
}

const int kRegistered = register_all();

}  // namespace
