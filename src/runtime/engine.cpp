// Loading a model file into a runnable engine.
#include "runtime/engine.h"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace frugal {

int default_thread_count() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

Engine::Engine(const EngineOptions& opt)
    : file_(GgufFile::open(opt.model_path)),
      pool_(opt.n_threads > 0 ? opt.n_threads : default_thread_count()),
      kernels_(kernels::Kernels::select(opt.isa)),
      cache_type_(opt.cache_type) {
  if (opt.repack) preparer_ = kernels_.weight_preparer(pool_);
  model_ = load_model(*file_, preparer_.get());
  if (opt.load_tokenizer) tokenizer_ = Tokenizer::from_gguf(*file_);
}

std::unique_ptr<KvCache> Engine::new_cache(int64_t n_ctx, kernels::KvType type) const {
  if (n_ctx <= 0) n_ctx = std::min<int64_t>(model_->info().n_ctx_train, 4096);
  return std::make_unique<KvCache>(model_->kv_shapes(), n_ctx, type);
}

}  // namespace frugal
