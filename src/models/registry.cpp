// Maps general.architecture to the model builders: one line per architecture.
#include "models/registry.h"

#include "base/error.h"

namespace frugal {

namespace {
using Builder = std::unique_ptr<Model> (*)(WeightBinder&, const HParams&);
struct Entry {
  const char* arch;
  Builder build;
};
constexpr Entry kArchitectures[] = {
    {"llama", build_llama},
    {"qwen2", build_qwen2},
    {"qwen3", build_qwen3},
    {"qwen2moe", build_qwen2moe},
    {"qwen3moe", build_qwen3moe},
    {"olmoe", build_olmoe},
    {"deepseek2", build_deepseek2},
};
}  // namespace

std::vector<std::string> supported_architectures() {
  std::vector<std::string> out;
  for (const auto& e : kArchitectures) out.emplace_back(e.arch);
  return out;
}

std::unique_ptr<Model> load_model(const GgufFile& file, WeightPreparer* preparer) {
  const std::string arch(file.require_string("general.architecture"));
  for (const auto& e : kArchitectures) {
    if (arch != e.arch) continue;
    WeightBinder binder(file, preparer);
    HParams hp(file, arch);
    return e.build(binder, hp);
  }
  std::string list;
  for (const auto& a : supported_architectures()) list += (list.empty() ? "" : ", ") + a;
  fail("{}: unsupported architecture '{}' (supported: {})", file.path(), arch, list);
}

}  // namespace frugal
