// Chat rendering API: the variables a chat template sees (as HF transformers passes them), tool-call
// argument handling, and reading the template and BOS/EOS texts from a GGUF file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/error.h"
#include "chat/chat_template.h"
#include "io/gguf.h"
#include "io/gguf_writer.h"
#include "test_util.h"

namespace frugal {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::ordered_json;

const char* kChatml =
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

TEST(ChatTemplate, RendersMessagesAndGenerationPrompt) {
  const json msgs = json::parse(R"([{"role": "user", "content": "Hi"}])");
  ChatRenderOptions o;
  EXPECT_EQ(render_chat(kChatml, msgs, o), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  o.add_generation_prompt = false;
  EXPECT_EQ(render_chat(kChatml, msgs, o), "<|im_start|>user\nHi<|im_end|>\n");
}

TEST(ChatTemplate, VariablesFollowTransformers) {
  const char* t = "{{ tools is none }}|{{ documents is none }}|{{ bos_token is defined }}|{{ eos_token }}|"
                  "{{ enable_thinking is defined }}|{{ date_string is defined }}";
  ChatRenderOptions o;
  o.eos_token = "</s>";
  EXPECT_EQ(render_chat(t, json::array(), o), "True|True|False|</s>|False|False");
  o.bos_token = "<s>";
  o.enable_thinking = false;
  o.date_string = "26 Jul 2024";
  o.tools = json::parse(R"([{"type": "function", "function": {"name": "f"}}])");
  EXPECT_EQ(render_chat("{{ tools[0].function.name }} {{ bos_token }} {{ enable_thinking }} {{ date_string }}",
                        json::array(), o),
            "f <s> False 26 Jul 2024");
}

TEST(ChatTemplate, ExtraContextOverrides) {
  ChatRenderOptions o;
  o.extra_context = json::parse(R"({"reasoning_effort": "high", "add_generation_prompt": "custom"})");
  EXPECT_EQ(render_chat("{{ reasoning_effort }} {{ add_generation_prompt }}", json::array(), o), "high custom");
}

TEST(ChatTemplate, ToolCallArgumentsPassedAsGivenOrParsed) {
  const json msgs = json::parse(
      R"([{"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
           "function": {"name": "get", "arguments": "{\"b\": 1, \"a\": [true]}"}}]}])");
  const char* t = "{% for tc in messages[0].tool_calls %}{{ tc.function.arguments is string }} "
                  "{{ tc.function.arguments | tojson }}{% endfor %}";
  ChatRenderOptions o;
  EXPECT_EQ(render_chat(t, msgs, o), R"(True "{\"b\": 1, \"a\": [true]}")");
  o.parse_tool_arguments = true;
  EXPECT_EQ(render_chat(t, msgs, o), R"(False {"b": 1, "a": [true]})");  // key order kept
}

TEST(ChatTemplate, ErrorsAreFrugalErrors) {
  ChatRenderOptions o;
  EXPECT_THAT([&] {
    try {
      render_chat("{{ raise_exception('Roles must alternate') }}", json::array(), o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  }(), HasSubstr("Roles must alternate"));
  EXPECT_THROW(ChatTemplate("{% if %}"), Error);
  EXPECT_THROW(render_chat(kChatml, json::object(), o), Error);  // messages must be an array
}

TEST(ChatTemplate, ParsedTemplateIsReusable) {
  const ChatTemplate t(kChatml);
  ChatRenderOptions o;
  o.add_generation_prompt = false;
  EXPECT_EQ(t.render(json::parse(R"([{"role": "user", "content": "a"}])"), o), "<|im_start|>user\na<|im_end|>\n");
  EXPECT_EQ(t.render(json::parse(R"([{"role": "user", "content": "b"}])"), o), "<|im_start|>user\nb<|im_end|>\n");
}

TEST(ChatTemplate, ReadsTemplateAndSpecialTokensFromGguf) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_string("tokenizer.chat_template", kChatml);
  w.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "hi"});
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  const std::string path = test_tmp_path("chat_info.gguf");
  w.write(path);
  const auto file = GgufFile::open(path);
  const GgufChatInfo info = read_gguf_chat_info(*file);
  EXPECT_EQ(info.template_source, kChatml);
  EXPECT_EQ(info.tool_use_source, "");
  EXPECT_EQ(info.bos_token, "<s>");
  EXPECT_EQ(info.eos_token, "</s>");

  GgufWriter bare;
  bare.set_string("general.architecture", "llama");
  bare.set_u32("tokenizer.ggml.bos_token_id", 7);  // no token list: unknown
  const std::string bare_path = test_tmp_path("chat_info_bare.gguf");
  bare.write(bare_path);
  const GgufChatInfo none = read_gguf_chat_info(*GgufFile::open(bare_path));
  EXPECT_EQ(none.template_source, "");
  EXPECT_EQ(none.bos_token, "");
}

}  // namespace
}  // namespace frugal
