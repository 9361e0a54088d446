// Options shared by subcommands that load a model.
#include "apps/common.h"

#include "apps/commands.h"

namespace frugal::cli {

void ModelArgs::add_to(CLI::App* cmd) {
  cmd->add_option("-m,--model", model, "GGUF model file (default: the built-in model)");
  cmd->add_option("-t,--threads", threads, "threads (default: one per available core)")->check(CLI::Range(0, 1024));
  cmd->add_option("--isa", isa, "kernels: auto, avx512, avx2, neon, scalar, reference (the exact scalar oracle)");
  cmd->add_flag("--no-repack", no_repack, "keep weights in the file's layout (no load-time repacking)");
  cmd->add_option("--cache-type", cache_type,
                  "KV cache elements: f32 (exact), f16 (half the memory and the cache reads of long contexts) "
                  "or q8_0 (8.5 bits per value, as llama.cpp's q8_0)")
      ->check(CLI::IsMember({"f32", "f16", "q8_0"}));
}

std::string ModelArgs::path() const { return model.empty() ? default_model_path() : model; }

EngineOptions ModelArgs::engine_options() const {
  EngineOptions o;
  o.model_path = path();
  o.n_threads = threads;
  o.isa = kernels::isa_from_name(isa);
  o.repack = !no_repack;
  o.cache_type = kernels::kv_type_from_name(cache_type);
  return o;
}

}  // namespace frugal::cli
