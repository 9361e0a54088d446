// `frugal quantize IN OUT TYPE`: convert a GGUF model's weight matrices to another format.
#include <fmt/format.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "apps/commands.h"
#include "base/error.h"
#include "base/thread_pool.h"
#include "io/gguf.h"
#include "io/gguf_writer.h"
#include "kernels/quant/convert.h"
#include "kernels/quant/formats.h"

namespace frugal::cli {

namespace {

struct QuantizeArgs {
  std::string input, output, type;
  std::vector<std::string> keep_f32;
  int threads = 0;
  bool quiet = false;
};

// Glob match of a whole name: '*' is any run of characters, '?' any one character.
bool glob_match(const char* p, const char* s) {
  if (*p == '\0') return *s == '\0';
  if (*p == '*') return glob_match(p + 1, s) || (*s != '\0' && glob_match(p, s + 1));
  return *s != '\0' && (*p == '?' || *p == *s) && glob_match(p + 1, s + 1);
}

// llama.cpp's general.file_type value for a file whose matrices are all `t`.
uint32_t file_type_of(GgmlType t) {
  switch (t) {
    case GgmlType::F32: return 0;
    case GgmlType::F16: return 1;
    case GgmlType::Q4_0: return 2;
    case GgmlType::Q4_1: return 3;
    case GgmlType::Q8_0: return 7;
    case GgmlType::Q5_0: return 8;
    case GgmlType::Q5_1: return 9;
    case GgmlType::Q2_K: return 10;
    case GgmlType::Q3_K: return 11;  // Q3_K_S
    case GgmlType::IQ4_NL: return 25;
    case GgmlType::IQ4_XS: return 30;
    case GgmlType::Q4_K: return 14;  // Q4_K_S
    case GgmlType::Q5_K: return 16;  // Q5_K_S
    case GgmlType::Q6_K: return 18;
    case GgmlType::BF16: return 32;
    default: return 0;
  }
}

// The output type of one tensor.
GgmlType choose_type(const GgufTensorInfo& t, GgmlType target, const QuantizeArgs& a) {
  if (!kernels::find_format(t.type)) return t.type;  // integer or unsupported: copied as is
  if (t.n_dims < 2) return GgmlType::F32;           // norms, biases, scalars
  for (const auto& p : a.keep_f32)
    if (glob_match(p.c_str(), t.name.c_str())) return GgmlType::F32;
  return kernels::fallback_type(target, t.ne[0]);
}

void quantize(const QuantizeArgs& a) {
  const auto target = ggml_type_from_name(a.type);
  FRUGAL_CHECK(target && kernels::find_format(*target),
               "unknown target type '{}' (expected Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q3_K Q4_K Q5_K Q6_K IQ4_NL IQ4_XS "
               "F16 BF16 F32)",
               a.type);
  auto in = GgufFile::open(a.input);
  GgufWriter w;
  for (const auto& [key, v] : in->metadata())
    if (key != "general.alignment" && key != "general.file_type" && key != "general.quantization_version")
      w.copy_value(key, v);
  w.set_u32("general.file_type", file_type_of(*target));
  if (kernels::format_of(*target).block_elems > 1) w.set_u32("general.quantization_version", 2);

  ThreadPool pool(a.threads > 0 ? a.threads : int(std::max(1u, std::thread::hardware_concurrency())));
  uint64_t bytes_in = 0, bytes_out = 0;
  for (const auto& t : in->tensors()) {
    const GgmlType to = choose_type(t, *target, a);
    const std::vector<int64_t> ne(t.ne.begin(), t.ne.begin() + t.n_dims);
    std::vector<uint8_t> data;
    if (to == t.type) {
      data.assign(t.data, t.data + t.nbytes);
    } else {
      data = kernels::convert_rows(pool, t.type, t.data, to, t.n_elements() / t.ne[0], t.ne[0], t.name);
    }
    bytes_in += t.nbytes;
    bytes_out += data.size();
    if (!a.quiet)
      fmt::print("{:<48} {:<24} {:>5} -> {}\n", t.name, t.shape_string(), ggml_type_name(uint32_t(t.type)),
                 ggml_type_name(uint32_t(to)));
    w.add_tensor(t.name, to, ne, std::move(data));
  }
  w.write(a.output, in->alignment());
  if (!a.quiet)
    fmt::print("{} tensors: {:.2f} MiB -> {:.2f} MiB, written to {}\n", in->tensors().size(),
               double(bytes_in) / (1 << 20), double(bytes_out) / (1 << 20), a.output);
}

}  // namespace

void register_quantize(CLI::App& app) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "quantize",
      "Convert the weight matrices of a GGUF file to TYPE (1-D tensors become F32; rows that do not hold whole "
      "blocks fall back to Q5_0/Q5_1/Q8_0/F16 as in llama.cpp). TYPE F32 dequantizes everything.");
  cmd->add_option("input", args->input, "input GGUF file")->required()->check(CLI::ExistingFile);
  cmd->add_option("output", args->output, "output GGUF file")->required();
  cmd->add_option("type", args->type, "Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q3_K Q4_K Q5_K Q6_K IQ4_NL IQ4_XS F16 BF16 F32")
      ->required();
  cmd->add_option("--keep-f32", args->keep_f32,
                  "tensor names to keep in F32 (glob patterns with * and ?; repeat or separate with commas)")
      ->delimiter(',');
  cmd->add_option("-t,--threads", args->threads, "worker threads (default: all cores)");
  cmd->add_flag("-q,--quiet", args->quiet, "print nothing on success");
  cmd->callback([args] { quantize(*args); });
}

}  // namespace frugal::cli
