// Chat prompt rendering: an OpenAI-style message list through a model's Jinja chat template.
//
// Variables given to the template, as Hugging Face transformers' apply_chat_template gives them:
// messages (as-is), tools (none when absent), documents (none), add_generation_prompt,
// bos_token / eos_token (when known), enable_thinking (only when set), date_string (only when set),
// then extra_context (which may override any of them).
//
// Tool-call arguments: OpenAI sends `function.arguments` as a JSON *string*; transformers passes
// whatever it gets, and so do we by default. Templates that expect a dict (`arguments|tojson`,
// `arguments.items()`) then see a string. Set parse_tool_arguments to turn string arguments that
// hold a JSON object into that object first (what llama.cpp's server does).
#pragma once

#include <ctime>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/jinja.h"

namespace frugal {

class GgufFile;

struct ChatRenderOptions {
  bool add_generation_prompt = true;
  nlohmann::ordered_json tools;            // array of tool definitions; null: no tools
  std::optional<bool> enable_thinking;     // passed as `enable_thinking` only when set
  std::string bos_token, eos_token;        // token texts; empty: the variable stays undefined
  std::string date_string;                 // passed as `date_string` when non-empty
  std::optional<std::time_t> now;          // clock of strftime_now() (UTC); unset: current local time
  nlohmann::ordered_json extra_context;    // object of further variables (override the ones above)
  bool parse_tool_arguments = false;       // JSON-string tool-call arguments become objects
  jinja::RenderLimits limits;
};

// A parsed chat template; render() is const and may be called from several threads at once.
class ChatTemplate {
 public:
  // Throws frugal::Error("template syntax error at line L, column C: ...").
  explicit ChatTemplate(const std::string& source);
  // `messages`: a JSON array of {role, content, ...}. Throws frugal::Error when the template raises
  // (raise_exception) or exceeds a limit.
  std::string render(const nlohmann::ordered_json& messages, const ChatRenderOptions& options) const;

 private:
  jinja::Template tpl_;
};

std::string render_chat(const std::string& template_src, const nlohmann::ordered_json& messages,
                        const ChatRenderOptions& options);

// What a GGUF file says about chat formatting.
struct GgufChatInfo {
  std::string template_source;           // tokenizer.chat_template ("" when absent)
  std::string tool_use_source;           // tokenizer.chat_template.tool_use ("" when absent)
  std::string bos_token, eos_token;      // texts of tokenizer.ggml.{bos,eos}_token_id ("" when absent)
};
GgufChatInfo read_gguf_chat_info(const GgufFile& file);

}  // namespace frugal
