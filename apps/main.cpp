// frugal command-line entry point: dispatches to the subcommands in cmd_*.cpp.
#include <cstdio>
#include <filesystem>

#include "apps/commands.h"
#include "base/error.h"

namespace frugal::cli {

std::string default_model_path() {
  // Next to the binary's source tree (FRUGAL_SOURCE_DIR), or an installed share dir.
  namespace fs = std::filesystem;
  for (const fs::path& p : {fs::path(FRUGAL_SOURCE_DIR) / "models" / "default.gguf",
                           fs::path("/usr/local/share/frugal/default.gguf")})
    if (fs::exists(p)) return p.string();
  return (fs::path(FRUGAL_SOURCE_DIR) / "models" / "default.gguf").string();
}

}  // namespace frugal::cli

int main(int argc, char** argv) {
  CLI::App app{"frugal: fast, exact LLM inference on the hardware you have"};
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();  // --help shows every default
  app.set_version_flag("--version", "frugal 0.1.0");
  using namespace frugal::cli;
  register_run(app);
  register_info(app);
  register_tokenize(app);
  register_logits(app);
  register_template(app);
  register_quantize(app);
  register_bench(app);
  register_chat(app);
  // Each subcommand file adds its register_ call here once it exists (tokenize, quantize, template, ...).
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const frugal::Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
