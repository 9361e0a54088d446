// `frugal template`: render a conversation through a model's chat template and print the prompt.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "apps/commands.h"
#include "base/error.h"
#include "chat/chat_template.h"
#include "io/gguf.h"

namespace frugal::cli {
namespace {

struct TemplateArgs {
  std::string model;
  std::string messages_file;
  std::string tools_file;
  std::string template_file;
  std::string bos, eos;
  std::string date_string;
  std::string context_json;
  int64_t now = -1;
  bool add_generation_prompt = false;
  bool think = false, no_think = false;
  bool parse_tool_arguments = false;
  std::string batch_file;
};

std::string read_text(const std::string& path) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  FRUGAL_CHECK(in.good(), "cannot open '{}'", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::ordered_json read_json(const std::string& path) {
  auto j = nlohmann::ordered_json::parse(read_text(path), nullptr, false);
  FRUGAL_CHECK(!j.is_discarded(), "{}: not valid JSON", path);
  return j;
}

std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// Batch mode for tests: each input line is a job {template, messages, tools, add_generation_prompt,
// enable_thinking, bos_token, eos_token, date_string, now, extra_context}; each output line is
// {"ok": true, "text": ...} or {"ok": false, "error": ...}.
void run_batch(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  FRUGAL_CHECK(in.good(), "cannot open '{}'", path);
  std::map<std::string, std::shared_ptr<ChatTemplate>> cache;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto job = nlohmann::ordered_json::parse(line, nullptr, false);
    FRUGAL_CHECK(!job.is_discarded() && job.is_object(), "{}:{}: not a JSON object", path, n);
    nlohmann::ordered_json rec;
    try {
      const std::string src = job.at("template").get<std::string>();
      auto& tpl = cache[src];
      if (!tpl) tpl = std::make_shared<ChatTemplate>(src);
      ChatRenderOptions o;
      o.add_generation_prompt = job.value("add_generation_prompt", false);
      if (job.contains("tools")) o.tools = job["tools"];
      if (job.contains("enable_thinking")) o.enable_thinking = job["enable_thinking"].get<bool>();
      o.bos_token = job.value("bos_token", "");
      o.eos_token = job.value("eos_token", "");
      o.date_string = job.value("date_string", "");
      if (job.contains("now")) o.now = job["now"].get<int64_t>();
      if (job.contains("extra_context")) o.extra_context = job["extra_context"];
      rec["text"] = tpl->render(job.at("messages"), o);
      rec["ok"] = true;
    } catch (const Error& e) {
      rec = {{"ok", false}, {"error", e.what()}};
    } catch (const nlohmann::ordered_json::exception& e) {
      rec = {{"ok", false}, {"error", std::string("bad job: ") + e.what()}};
    }
    std::puts(dump(rec).c_str());
  }
}

void run_template(const TemplateArgs& a) {
  if (!a.batch_file.empty()) {
    run_batch(a.batch_file);
    return;
  }
  FRUGAL_CHECK(!a.messages_file.empty(), "--messages is required");
  GgufChatInfo info;
  if (!a.model.empty() || a.template_file.empty()) {
    const auto file = GgufFile::open(a.model.empty() ? default_model_path() : a.model);
    info = read_gguf_chat_info(*file);
  }
  nlohmann::ordered_json conv = read_json(a.messages_file);
  nlohmann::ordered_json messages = conv;
  ChatRenderOptions o;
  if (conv.is_object()) {
    FRUGAL_CHECK(conv.contains("messages"), "{}: expected an array of messages or an object with \"messages\"",
                 a.messages_file);
    messages = conv["messages"];
    if (conv.contains("tools")) o.tools = conv["tools"];
  }
  if (!a.tools_file.empty()) o.tools = read_json(a.tools_file);
  std::string source;
  if (!a.template_file.empty()) {
    source = read_text(a.template_file);
  } else {
    const bool want_tools = o.tools.is_array() && !o.tools.empty();
    source = want_tools && !info.tool_use_source.empty() ? info.tool_use_source : info.template_source;
    FRUGAL_CHECK(!source.empty(), "the model has no tokenizer.chat_template; give one with --template");
  }
  o.add_generation_prompt = a.add_generation_prompt;
  if (a.think) o.enable_thinking = true;
  if (a.no_think) o.enable_thinking = false;
  o.bos_token = a.bos.empty() ? info.bos_token : a.bos;
  o.eos_token = a.eos.empty() ? info.eos_token : a.eos;
  o.date_string = a.date_string;
  if (a.now >= 0) o.now = a.now;
  o.parse_tool_arguments = a.parse_tool_arguments;
  if (!a.context_json.empty()) {
    o.extra_context = nlohmann::ordered_json::parse(a.context_json, nullptr, false);
    FRUGAL_CHECK(o.extra_context.is_object(), "--context must be a JSON object");
  }
  const std::string prompt = render_chat(source, messages, o);
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

void register_template(CLI::App& app) {
  auto a = std::make_shared<TemplateArgs>();
  CLI::App* cmd = app.add_subcommand("template", "render a conversation with the model's chat template");
  cmd->add_option("-m,--model", a->model, "GGUF model file (template, BOS/EOS; default: the built-in model)");
  cmd->add_option("--messages", a->messages_file,
                  "JSON file: an array of messages, or {\"messages\": [...], \"tools\": [...]} ('-' for stdin)");
  cmd->add_option("--tools", a->tools_file, "JSON file with an array of tool definitions");
  cmd->add_option("--template", a->template_file, "use this Jinja template file instead of the model's");
  cmd->add_flag("--add-generation-prompt", a->add_generation_prompt, "end with the assistant turn header");
  auto* think = cmd->add_flag("--think", a->think, "set enable_thinking=true");
  cmd->add_flag("--no-think", a->no_think, "set enable_thinking=false")->excludes(think);
  cmd->add_option("--bos", a->bos, "BOS token text (default: from the model)");
  cmd->add_option("--eos", a->eos, "EOS token text (default: from the model)");
  cmd->add_option("--date-string", a->date_string, "value of the date_string variable");
  cmd->add_option("--now", a->now, "strftime_now() clock, Unix seconds (UTC)");
  cmd->add_option("--context", a->context_json, "extra template variables as a JSON object");
  cmd->add_flag("--parse-tool-arguments", a->parse_tool_arguments,
                "turn JSON-string tool-call arguments into objects before rendering");
  cmd->add_option("--batch", a->batch_file, "JSONL jobs (testing)")->group("");
  cmd->callback([a] { run_template(*a); });
}

}  // namespace frugal::cli
