// The model interface the runtime drives: one forward pass over a multi-sequence batch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "layers/batch.h"
#include "layers/context.h"
#include "layers/kv_cache.h"
#include "tensor/weight_preparer.h"

namespace frugal {

struct ModelInfo {
  std::string arch;
  std::string name;
  int64_t n_vocab = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_ctx_train = 0;
  uint64_t weight_bytes = 0;            // all weights bound by the model
  uint64_t active_bytes_per_token = 0;  // weights one decoded token reads (MoE: routed experts used only)
  uint64_t active_params_per_token = 0; // multiply-adds of those weights per token (the embedding lookup: none)
  uint64_t output_params = 0;           // the output head's share of those: run only for tokens that ask for logits
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelInfo& info() const = 0;
  virtual std::vector<KvLayerShape> kv_shapes() const = 0;
  // Runs `batch`, appending to each sequence's cache. logits: [batch.n_logits(), n_vocab],
  // one row per token flagged in batch.logits, in batch order.
  virtual void forward(const ForwardContext& ctx, const Batch& batch, KvCache& cache, float* logits) const = 0;
};

// Builds the model named by general.architecture; throws Error for unknown architectures or
// metadata/tensors that disagree. `preparer` (optional) may repack the weights as they are bound.
std::unique_ptr<Model> load_model(const GgufFile& file, WeightPreparer* preparer = nullptr);
std::vector<std::string> supported_architectures();

}  // namespace frugal
