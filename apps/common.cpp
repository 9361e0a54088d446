// Options shared by subcommands that load a model.
#include "apps/common.h"

#include "apps/commands.h"

namespace frugal::cli {

void ModelArgs::add_to(CLI::App* cmd) {
  cmd->add_option("-m,--model", model, "GGUF model file (default: the built-in model)");
  cmd->add_option("-t,--threads", threads, "threads (default: one per available core)")->check(CLI::Range(0, 1024));
  cmd->add_option("--isa", isa, "kernels: auto, avx512, avx2, scalar, reference (the exact scalar oracle)");
  cmd->add_flag("--no-repack", no_repack, "keep weights in the file's layout (no load-time repacking)");
}

std::string ModelArgs::path() const { return model.empty() ? default_model_path() : model; }

EngineOptions ModelArgs::engine_options() const {
  EngineOptions o;
  o.model_path = path();
  o.n_threads = threads;
  o.isa = kernels::isa_from_name(isa);
  o.repack = !no_repack;
  return o;
}

}  // namespace frugal::cli
