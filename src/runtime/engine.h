// A loaded model ready to run: the mapped file, the model, its tokenizer, threads and kernels.
#pragma once

#include <memory>
#include <string>

#include "base/scratch_pool.h"
#include "base/thread_pool.h"
#include "io/gguf.h"
#include "kernels/matmul.h"
#include "layers/context.h"
#include "layers/kv_cache.h"
#include "models/model.h"
#include "tokenizer/tokenizer.h"

namespace frugal {

struct EngineOptions {
  std::string model_path;
  int n_threads = 0;                    // 0: one per available core
  kernels::Isa isa = kernels::Isa::Auto;
  bool load_tokenizer = true;
  bool repack = true;  // let the kernels repack weights at load (Kernels::weight_preparer)
  kernels::KvType cache_type = kernels::KvType::F32;  // element type of the caches new_cache makes
};

class Engine {
 public:
  explicit Engine(const EngineOptions& opt);

  const GgufFile& file() const { return *file_; }
  const Model& model() const { return *model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  bool has_tokenizer() const { return tokenizer_ != nullptr; }
  ThreadPool& pool() { return pool_; }
  const kernels::Kernels& kernels() const { return kernels_; }
  ForwardContext context() { return ForwardContext{pool_, kernels_, &scratch_}; }
  // A cache for up to n_ctx positions per sequence (0: the model's training context, capped at
  // 4096), holding EngineOptions::cache_type elements (or `type`'s).
  std::unique_ptr<KvCache> new_cache(int64_t n_ctx = 0) const { return new_cache(n_ctx, cache_type_); }
  std::unique_ptr<KvCache> new_cache(int64_t n_ctx, kernels::KvType type) const;

 private:
  std::unique_ptr<GgufFile> file_;
  std::unique_ptr<WeightPreparer> preparer_;  // owns repacked weights: outlives model_
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  ThreadPool pool_;
  kernels::Kernels kernels_;
  kernels::KvType cache_type_;
  ScratchPool scratch_;  // activation buffers, reused across forward passes
};

int default_thread_count();

}  // namespace frugal
