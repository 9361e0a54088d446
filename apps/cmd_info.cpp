// `frugal info`: print a GGUF file's architecture, metadata and tensor table.
#include <cstdio>
#include <map>

#include "apps/commands.h"
#include "io/gguf.h"

namespace frugal::cli {

namespace {
struct InfoArgs {
  std::string model;
  bool no_tensors = false;
  size_t max_items = 8;
};

void info(const InfoArgs& a) {
  const std::string path = a.model.empty() ? default_model_path() : a.model;
  auto f = GgufFile::open(path);
  std::printf("file: %s\n", path.c_str());
  std::printf("GGUF version %u, %llu bytes, %zu metadata keys, %zu tensors, alignment %u, data at %llu\n",
              f->version(), (unsigned long long)f->file_size(), f->metadata().size(), f->tensors().size(),
              f->alignment(), (unsigned long long)f->data_offset());
  std::printf("architecture: %s\n\nmetadata:\n",
              std::string(f->get_string("general.architecture").value_or("(none)")).c_str());
  for (const auto& [key, v] : f->metadata())
    std::printf("  %-48s %-8s %s\n", key.c_str(), gguf_value_type_name(v.type), v.to_display(a.max_items).c_str());
  std::map<std::string, std::pair<size_t, uint64_t>> by_type;
  uint64_t total = 0;
  if (!a.no_tensors) std::printf("\ntensors:\n  %-48s %-6s %-28s %s\n", "name", "type", "shape", "bytes");
  for (const auto& t : f->tensors()) {
    const std::string type = ggml_type_info(t.type).name;
    if (!a.no_tensors)
      std::printf("  %-48s %-6s %-28s %llu\n", t.name.c_str(), type.c_str(), t.shape_string().c_str(),
                  (unsigned long long)t.nbytes);
    by_type[type].first++;
    by_type[type].second += t.nbytes;
    total += t.nbytes;
  }
  std::printf("\ntotal: %zu tensors, %.2f MiB\n", f->tensors().size(), double(total) / (1 << 20));
  for (const auto& [type, c] : by_type)
    std::printf("  %-6s %5zu tensors %10.2f MiB\n", type.c_str(), c.first, double(c.second) / (1 << 20));
}
}  // namespace

void register_info(CLI::App& app) {
  auto a = std::make_shared<InfoArgs>();
  CLI::App* cmd = app.add_subcommand("info", "Print a GGUF file's architecture, metadata and tensor table");
  cmd->add_option("model", a->model, "GGUF file (default: the built-in model)");
  cmd->add_option("-m,--model", a->model, "GGUF file (same as the positional argument)");
  cmd->add_flag("--no-tensors", a->no_tensors, "omit the per-tensor table");
  cmd->add_option("--max-items", a->max_items, "array items to show per metadata key");
  cmd->callback([a] { info(*a); });
}

}  // namespace frugal::cli
