// `frugal bench`: prompt and generation throughput per model and thread count, with the
// generation figure's fraction of the memory-bandwidth roofline measured in the same run.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/commands.h"
#include "apps/common.h"
#include "base/error.h"
#include "kernels/peak.h"
#include "runtime/bench.h"

namespace frugal::cli {

namespace {
struct BenchArgs {
  std::vector<std::string> models;
  std::vector<int> threads;
  std::vector<int> depths;  // context filled before measuring (llama-bench -d); empty: {0}
  std::string isa = "auto";
  std::vector<kernels::KvType> cache_types;  // KV cache element types to measure; empty: {f32}
  int64_t n_prompt = 512;
  int64_t n_gen = 128;
  int32_t batch = 512;
  int reps = 3;
  bool json = false;
  bool no_repack = false;
  uint64_t bandwidth_bytes = uint64_t(512) << 20;  // 16x the largest L3 of the machines we target
};

struct Row {
  std::string model, test, cache;
  int threads;
  std::vector<double> tps;
  double roofline_tps = 0;  // the machine's limit: int8 arithmetic (prompt) or read bandwidth (generation)
  uint64_t peak_rss = 0;    // the model's run: load, warm-up and every repetition
  double bandwidth = 0;     // median read bandwidth sampled during the run, bytes/s
  // Each sample over the roofline of the bandwidth (generation) or int8 rate (prompt) sampled
  // just before and after its repetition (the shared hosts' bandwidth and clocks drift within
  // seconds); the reported fraction is their median.
  std::vector<double> fractions;
  double fraction() const {
    if (!fractions.empty()) return median(fractions);
    return roofline_tps > 0 ? median(tps) / roofline_tps : 0.0;
  }
};

void print_table(const std::vector<Row>& rows) {
  std::printf("| %-28s | %7s | %-13s | %5s | %16s | %9s | %10s | %9s |\n", "model", "threads", "test", "cache",
              "t/s (median)", "roofline", "read GB/s", "peak RSS");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(30, '-').c_str(), std::string(9, '-').c_str(),
              std::string(15, '-').c_str(), std::string(7, '-').c_str(), std::string(18, '-').c_str(),
              std::string(11, '-').c_str(), std::string(12, '-').c_str(), std::string(11, '-').c_str());
  for (const auto& r : rows) {
    const double m = median(r.tps);
    std::string roof = r.roofline_tps > 0 ? fmt::format("{:.0f}%", 100.0 * r.fraction()) : "";
    std::string rss = fmt::format("{:.2f} GiB", double(r.peak_rss) / double(1 << 30));
    std::printf("| %-28s | %7d | %-13s | %5s | %9.2f ± %5.2f | %9s | %10.1f | %9s |\n", r.model.c_str(), r.threads,
                r.test.c_str(), r.cache.c_str(), m, stddev(r.tps), roof.c_str(), r.bandwidth / 1e9, rss.c_str());
  }
  std::printf("\nroofline: pp = measured int8 multiply-adds/s / multiply-adds per prompt token (active weights; the\n"
              "output head once per batch, whose last token alone asks for logits); tg = read bandwidth /\n"
              "bytes a generated token reads (its weights; at depth d also its cache rows). Both rates are sampled\n"
              "before and after each repetition, and the fraction is the median over repetitions of each one's\n"
              "t/s over its own roofline\n");
}

// Runs one model at one thread count, context depth and cache type: a.reps prompt and
// generation samples after `depth` cached tokens. The machine's read bandwidth (and, when prompts are measured,
// its int8 multiply-add rate) is sampled before the first and after every repetition (the
// hosts we run on are shared, so both drift); each bandwidth sample's buffer is freed and the
// peak-RSS mark reset after it, so the model's peak RSS excludes it where the kernel allows
// the reset. The generation roofline counts the weights a token reads and its cache reads
// (every cached position's row, once per token).
std::vector<Row> bench_depth(const BenchArgs& a, Engine& engine, const std::string& path, int64_t depth,
                             kernels::KvType type, nlohmann::json& out) {
  const auto& info = engine.model().info();
  const int nt = engine.pool().size();
  const std::string name = path.substr(path.find_last_of('/') + 1);
  const std::string at = depth > 0 ? fmt::format(" @ d{}", depth) : "";
  const std::string cache_name = kernels::kv_type_name(type);
  Row pp{name, fmt::format("pp{}{}", a.n_prompt, at), cache_name, nt, {}, 0, 0, 0, {}};
  Row tg{name, fmt::format("tg{}{}", a.n_gen, at), cache_name, nt, {}, 0, 0, 0, {}};
  std::vector<double> bws, peaks;
  auto cache = engine.new_cache(depth + std::max(a.n_prompt, a.n_gen) + 1, type);
  bench_fill(engine, *cache, depth, a.batch, 7);
  bench_generate(engine, *cache, std::min<int64_t>(a.n_gen, 4), 1);  // warm-up: page in weights
  uint64_t peak = peak_rss_bytes();
  const auto sample_machine = [&] {
    bws.push_back(measure_read_bandwidth(engine.pool(), a.bandwidth_bytes, 3, kernels::Isa::Auto));
    reset_peak_rss();
    if (a.n_prompt > 0) peaks.push_back(kernels::measure_int8_peak(engine.pool(), engine.kernels().isa()));
  };
  sample_machine();
  // Cache bytes a generated token reads, on average over the run's positions.
  const double cache_read = double(cache->bytes_per_token()) * (double(depth) + 0.5 * double(a.n_gen + 1));
  const double bytes_per_token = double(info.active_bytes_per_token) + cache_read;
  // Multiply-adds per prompt token: every layer's active weights, and the output head once per
  // batch (only a batch's last token asks for logits, as in llama-bench).
  const double batches = std::ceil(double(a.n_prompt) / double(a.batch));
  const double params = double(info.active_params_per_token - info.output_params) +
                        (a.n_prompt > 0 ? double(info.output_params) * batches / double(a.n_prompt) : 0.0);
  const auto around = [](const std::vector<double>& v) { return 0.5 * (v[v.size() - 2] + v.back()); };
  for (int r = 0; r < a.reps; ++r) {
    if (a.n_prompt > 0) pp.tps.push_back(bench_prompt(engine, *cache, a.n_prompt, a.batch, uint64_t(r)).tps());
    if (a.n_gen > 0) tg.tps.push_back(bench_generate(engine, *cache, a.n_gen, uint64_t(r)).tps());
    peak = std::max(peak, peak_rss_bytes());
    sample_machine();
    if (a.n_prompt > 0 && params > 0 && around(peaks) > 0)
      pp.fractions.push_back(pp.tps.back() * params / around(peaks));
    if (a.n_gen > 0 && bytes_per_token > 0) tg.fractions.push_back(tg.tps.back() * bytes_per_token / around(bws));
  }
  const double macs = median(peaks);
  if (macs > 0) pp.roofline_tps = macs / params;
  const double bw = median(bws);
  for (double& v : bws) v /= 1e9;  // GB/s for the JSON
  tg.roofline_tps = bw / bytes_per_token;
  std::vector<Row> rows;
  for (Row* r : {&pp, &tg}) {
    if (r->tps.empty()) continue;
    r->peak_rss = peak;
    r->bandwidth = bw;
    rows.push_back(*r);
    out.push_back({{"model", path}, {"arch", info.arch}, {"threads", nt}, {"test", r->test}, {"depth", depth},
                   {"cache_type", kernels::kv_type_name(cache->type())},
                   {"isa", kernels::isa_name(engine.kernels().isa())}, {"repacked", !a.no_repack},
                   {"tokens_per_second_median", median(r->tps)}, {"tokens_per_second_stddev", stddev(r->tps)},
                   {"samples", r->tps}, {"bandwidth_gb_s", bw / 1e9}, {"bandwidth_samples_gb_s", bws},
                   {"active_weight_bytes_per_token", info.active_bytes_per_token},
                   {"cache_bytes_read_per_token", r == &pp ? 0.0 : cache_read},
                   {"active_params_per_token", info.active_params_per_token},
                   {"output_params", info.output_params}, {"prompt_macs_per_token", params},
                   {"int8_peak_macs_per_s", macs},
                   {"int8_peak_samples_macs_per_s", peaks},
                   {"roofline_limit", r == &pp ? "int8 arithmetic" : "read bandwidth"},
                   {"roofline_tokens_per_second", r->roofline_tps},
                   {"roofline_fraction", r->fraction()}, {"roofline_fraction_samples", r->fractions},
                   {"model_bytes", info.weight_bytes}, {"peak_rss_bytes", r->peak_rss}});
  }
  return rows;
}

// Loads one model at one thread count and measures it at every depth with every cache type.
std::vector<Row> bench_one(const BenchArgs& a, const std::string& path, int threads, nlohmann::json& out) {
  reset_peak_rss();
  EngineOptions eo;
  eo.model_path = path;
  eo.n_threads = threads;
  eo.isa = kernels::isa_from_name(a.isa);
  eo.load_tokenizer = false;
  eo.repack = !a.no_repack;
  Engine engine(eo);
  std::vector<Row> rows;
  for (int d : a.depths.empty() ? std::vector<int>{0} : a.depths)
    for (kernels::KvType type : a.cache_types.empty() ? std::vector<kernels::KvType>{kernels::KvType::F32}
                                                       : a.cache_types)
      for (Row& r : bench_depth(a, engine, path, d, type, out)) rows.push_back(std::move(r));
  return rows;
}

void bench(const BenchArgs& a) {
  std::vector<Row> rows;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& path : a.models.empty() ? std::vector<std::string>{default_model_path()} : a.models)
    for (int t : a.threads.empty() ? std::vector<int>{0} : a.threads)
      for (Row& r : bench_one(a, path, t, out)) rows.push_back(std::move(r));
  if (a.json) {
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    print_table(rows);
  }
}

// A comma-separated list of non-negative integers (what: the option, for the message).
std::vector<int> parse_list(const std::string& s, const char* what) {
  std::vector<int> v;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    int x = -1;
    try {
      x = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || x < 0) fail("{}: '{}' is not a non-negative integer", what, item);
    v.push_back(x);
  }
  return v;
}
}  // namespace

void register_bench(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  auto threads = std::make_shared<std::string>(), depths = std::make_shared<std::string>(),
       cache_types = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure prompt and generation throughput (like llama-bench)");
  cmd->add_option("-m,--model", a->models, "GGUF model(s); repeat for several (default: the built-in model)");
  cmd->add_option("-t,--threads", *threads, "thread counts, comma-separated (default: one per core)");
  cmd->add_option("-p,--n-prompt", a->n_prompt, "prompt tokens (0: skip)")->check(CLI::Range(0, 1 << 20));
  cmd->add_option("-n,--n-gen", a->n_gen, "generated tokens (0: skip)")->check(CLI::Range(0, 1 << 20));
  cmd->add_option("-b,--batch-size", a->batch, "prompt tokens per forward pass")->check(CLI::Range(1, 1 << 16));
  cmd->add_option("-d,--n-depth", *depths, "tokens already in the context when measuring, comma-separated (default 0)");
  cmd->add_option("--cache-type", *cache_types, "KV cache elements, comma-separated: f32 (default), f16, q8_0");
  cmd->add_option("-r,--repetitions", a->reps, "repetitions; the median is reported")->check(CLI::Range(1, 1000));
  cmd->add_option("--isa", a->isa, "kernels: auto, avx512, avx2, neon, scalar, reference");
  cmd->add_flag("--json", a->json, "print JSON instead of a table");
  cmd->add_flag("--no-repack", a->no_repack, "keep weights in the file's layout (no load-time repacking)");
  cmd->callback([a, threads, depths, cache_types] {
    if (!threads->empty()) a->threads = parse_list(*threads, "-t");
    if (!depths->empty()) a->depths = parse_list(*depths, "-d");
    std::stringstream in(*cache_types);
    for (std::string item; std::getline(in, item, ',');) a->cache_types.push_back(kernels::kv_type_from_name(item));
    bench(*a);
  });
}

}  // namespace frugal::cli
