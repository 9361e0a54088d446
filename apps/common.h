// Options shared by subcommands that load a model (-m, -t, --isa, --no-repack, --cache-type).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "runtime/engine.h"

namespace frugal::cli {

struct ModelArgs {
  std::string model;
  int threads = 0;
  std::string isa = "auto";
  bool no_repack = false;
  std::string cache_type = "f32";

  // Adds -m/--model, -t/--threads, --isa, --no-repack, --cache-type to `cmd`.
  void add_to(CLI::App* cmd);
  // The model path, or the built-in default model when -m was not given.
  std::string path() const;
  EngineOptions engine_options() const;
};

}  // namespace frugal::cli
