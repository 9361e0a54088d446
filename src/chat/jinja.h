// Public API of the Jinja interpreter used for chat templates: parse once, render many times.
//
// Semantics follow Python Jinja2 as Hugging Face transformers configures it (sandboxed, trim_blocks,
// lstrip_blocks, loop controls, HF's tojson/raise_exception/strftime_now), with two lenient
// choices taken from @huggingface/jinja: an attribute or item of an undefined value is undefined,
// and a dict key wins over a dict method of the same name (`schema.items` reads the key).
// Every render is bounded (steps, loop iterations, recursion, output size): untrusted templates
// fail with frugal::Error instead of hanging, crashing or exhausting memory.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace frugal::jinja {

struct Stmt;

struct TemplateOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  bool keep_trailing_newline = false;
  uint32_t max_expr_depth = 256;   // parse-time: height of one expression
  uint32_t max_block_depth = 128;  // parse-time: nested blocks
};

struct RenderLimits {
  uint64_t max_steps = 5'000'000;           // node evaluations, plus work proportional to data handled
  uint64_t max_loop_iterations = 1'000'000;  // all loops together
  uint32_t max_call_depth = 64;              // nested macro / caller calls
  uint32_t max_eval_depth = 2000;            // nested evaluation frames: with the defaults, parsing and
                                             // rendering need at most about 1 MiB of C++ stack
  uint64_t max_range = 100'000;              // items one range() may produce (Jinja2 sandbox value)
  uint64_t max_string_bytes = 32ull << 20;   // any single string, the output included
  uint64_t max_list_items = 1'000'000;       // any single list
};

struct RenderOptions {
  RenderLimits limits;
  std::optional<std::time_t> now;  // strftime_now() clock (UTC); unset: the current time, local zone
};

class Template {
 public:
  // Throws frugal::Error("template syntax error at line L, column C: ...").
  explicit Template(std::string_view source, const TemplateOptions& options = {});
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // `context` must be a JSON object; each key becomes a template variable.
  std::string render(const nlohmann::ordered_json& context, const RenderOptions& options = {}) const;

 private:
  std::unique_ptr<std::vector<Stmt>> body_;
};

}  // namespace frugal::jinja
