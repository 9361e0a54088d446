// One builder per GGUF architecture; registry.cpp maps general.architecture to them.
#pragma once

#include <memory>

#include "models/hparams.h"
#include "models/model.h"
#include "tensor/binder.h"

namespace frugal {

std::unique_ptr<Model> build_llama(WeightBinder& b, const HParams& hp);
std::unique_ptr<Model> build_qwen2(WeightBinder& b, const HParams& hp);
std::unique_ptr<Model> build_qwen3(WeightBinder& b, const HParams& hp);
std::unique_ptr<Model> build_qwen2moe(WeightBinder& b, const HParams& hp);
std::unique_ptr<Model> build_qwen3moe(WeightBinder& b, const HParams& hp);
std::unique_ptr<Model> build_olmoe(WeightBinder& b, const HParams& hp);
std::unique_ptr<Model> build_deepseek2(WeightBinder& b, const HParams& hp);

}  // namespace frugal
