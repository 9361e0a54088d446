// Subcommands of the frugal CLI: each cmd_<name>.cpp defines one register function.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace frugal::cli {

// Path of the built-in default model (models/default.gguf in the source tree), used when -m is absent.
std::string default_model_path();

void register_run(CLI::App& app);
void register_info(CLI::App& app);
void register_logits(CLI::App& app);
void register_tokenize(CLI::App& app);
void register_quantize(CLI::App& app);
void register_template(CLI::App& app);
void register_bench(CLI::App& app);
void register_chat(CLI::App& app);

}  // namespace frugal::cli

// Unqualified declarations, so helpers' files can define them at namespace frugal::cli or global scope.
