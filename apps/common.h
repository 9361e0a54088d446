// Options shared by subcommands that load a model (-m, -t, --isa).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "runtime/engine.h"

namespace frugal::cli {

struct ModelArgs {
  std::string model;
  int threads = 0;
  std::string isa = "auto";

  // Adds -m/--model, -t/--threads, --isa to `cmd`.
  void add_to(CLI::App* cmd);
  // The model path, or the built-in default model when -m was not given.
  std::string path() const;
  EngineOptions engine_options() const;
};

}  // namespace frugal::cli
