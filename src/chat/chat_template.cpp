// Chat prompt rendering through a model's Jinja chat template, with HF transformers' variables.
#include "chat/chat_template.h"

#include "base/error.h"
#include "io/gguf.h"

namespace frugal {

namespace {

nlohmann::ordered_json with_parsed_arguments(const nlohmann::ordered_json& messages) {
  nlohmann::ordered_json out = messages;
  for (auto& m : out) {
    if (!m.is_object() || !m.contains("tool_calls") || !m["tool_calls"].is_array()) continue;
    for (auto& tc : m["tool_calls"]) {
      if (!tc.is_object() || !tc.contains("function") || !tc["function"].is_object()) continue;
      auto& fn = tc["function"];
      if (!fn.contains("arguments") || !fn["arguments"].is_string()) continue;
      auto parsed = nlohmann::ordered_json::parse(fn["arguments"].get<std::string>(), nullptr, false);
      if (!parsed.is_discarded() && parsed.is_object()) fn["arguments"] = std::move(parsed);
    }
  }
  return out;
}

}  // namespace

ChatTemplate::ChatTemplate(const std::string& source) : tpl_(source) {}

std::string ChatTemplate::render(const nlohmann::ordered_json& messages, const ChatRenderOptions& o) const {
  FRUGAL_CHECK(messages.is_array(), "chat messages must be a JSON array");
  FRUGAL_CHECK(o.extra_context.is_null() || o.extra_context.is_object(), "extra chat template context must be an object");
  nlohmann::ordered_json ctx = nlohmann::ordered_json::object();
  ctx["messages"] = o.parse_tool_arguments ? with_parsed_arguments(messages) : messages;
  ctx["tools"] = o.tools;
  ctx["documents"] = nullptr;
  ctx["add_generation_prompt"] = o.add_generation_prompt;
  if (!o.bos_token.empty()) ctx["bos_token"] = o.bos_token;
  if (!o.eos_token.empty()) ctx["eos_token"] = o.eos_token;
  if (o.enable_thinking) ctx["enable_thinking"] = *o.enable_thinking;
  if (!o.date_string.empty()) ctx["date_string"] = o.date_string;
  if (o.extra_context.is_object()) {
    for (auto it = o.extra_context.begin(); it != o.extra_context.end(); ++it) ctx[it.key()] = it.value();
  }
  jinja::RenderOptions ro;
  ro.limits = o.limits;
  ro.now = o.now;
  return tpl_.render(ctx, ro);
}

std::string render_chat(const std::string& template_src, const nlohmann::ordered_json& messages,
                        const ChatRenderOptions& options) {
  return ChatTemplate(template_src).render(messages, options);
}

namespace {

std::string token_text(const GgufFile& f, std::string_view id_key) {
  const auto id = f.get_uint(id_key);
  const auto* tokens = f.get_string_array("tokenizer.ggml.tokens");
  if (!id || !tokens || *id >= tokens->size()) return {};
  return std::string((*tokens)[*id]);
}

}  // namespace

GgufChatInfo read_gguf_chat_info(const GgufFile& file) {
  GgufChatInfo info;
  if (auto t = file.get_string("tokenizer.chat_template")) info.template_source = std::string(*t);
  if (auto t = file.get_string("tokenizer.chat_template.tool_use")) info.tool_use_source = std::string(*t);
  info.bos_token = token_text(file, "tokenizer.ggml.bos_token_id");
  info.eos_token = token_text(file, "tokenizer.ggml.eos_token_id");
  return info;
}

}  // namespace frugal
