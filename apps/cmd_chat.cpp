// `frugal chat`: interactive multi-turn chat in the terminal through the model's chat template.
// Ctrl-C stops the reply being generated (not the program); /reset starts over; Ctrl-D or /exit quits.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>

#include "apps/commands.h"
#include "apps/common.h"
#include "base/error.h"
#include "chat/chat_template.h"
#include "runtime/generate.h"

namespace frugal::cli {

namespace {
// Set by the SIGINT handler; a signal handler can only reach process-wide state.
std::atomic<bool> g_interrupted{false};
void on_sigint(int) { g_interrupted.store(true); }

struct ChatArgs {
  ModelArgs model;
  std::string system;
  std::string template_file;
  bool think = false, no_think = false;
  int64_t ctx = 0;
  int32_t n_predict = -1;
  bool ignore_eog = false;
  SamplerOptions sampling;
  int64_t seed = -1;
};

// ChatML, for models whose file carries no template.
constexpr const char* kFallbackTemplate =
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

std::string load_template(const ChatArgs& a, const GgufChatInfo& info) {
  if (!a.template_file.empty()) {
    std::ifstream f(a.template_file, std::ios::binary);
    FRUGAL_CHECK(f.good(), "{}: cannot open template", a.template_file);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  if (!info.template_source.empty()) return info.template_source;
  std::fprintf(stderr, "note: the model has no chat template; using ChatML\n");
  return kFallbackTemplate;
}

void install_sigint() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a pending read returns, so Ctrl-C at the prompt is seen
  sigaction(SIGINT, &sa, nullptr);
}

void chat(const ChatArgs& a) {
  Engine engine(a.model.engine_options());
  const GgufChatInfo info = read_gguf_chat_info(engine.file());
  const ChatTemplate tpl(load_template(a, info));
  ChatRenderOptions ro;
  ro.bos_token = info.bos_token;
  ro.eos_token = info.eos_token;
  if (a.think) ro.enable_thinking = true;
  if (a.no_think) ro.enable_thinking = false;
  Sequence seq(engine, a.ctx);
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  auto reset = [&] {
    messages = nlohmann::ordered_json::array();
    if (!a.system.empty()) messages.push_back({{"role", "system"}, {"content", a.system}});
    seq.reset();
  };
  reset();
  GenerateOptions g;
  g.n_predict = a.n_predict;
  g.stop_at_eog = !a.ignore_eog;
  g.sampling = a.sampling;
  install_sigint();
  std::fprintf(stderr, "frugal chat: /reset starts over, Ctrl-C stops a reply, Ctrl-D or /exit quits\n");
  for (;;) {
    std::printf("\n> ");
    std::fflush(stdout);
    std::string line;
    g_interrupted.store(false);
    if (!std::getline(std::cin, line)) {
      if (g_interrupted.load()) {  // Ctrl-C at the prompt: keep going
        std::cin.clear();
        std::printf("\n(Ctrl-D or /exit quits)");
        continue;
      }
      break;
    }
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      reset();
      std::printf("(conversation reset)");
      continue;
    }
    if (line.empty()) continue;
    messages.push_back({{"role", "user"}, {"content", line}});
    const std::string prompt_text = tpl.render(messages, ro);
    EncodeOptions enc;
    enc.add_special = false;  // the template writes BOS itself where the model wants it
    enc.parse_special = true;
    const auto prompt = engine.tokenizer().encode(prompt_text, enc);
    std::string reply;
    GenerateStats st;
    seq.generate(prompt, g, [&](const std::string& s) {
      reply += s;
      std::fwrite(s.data(), 1, s.size(), stdout);
      std::fflush(stdout);
      return !g_interrupted.load();
    }, &st);
    if (g_interrupted.load()) std::printf(" [stopped]");
    messages.push_back({{"role", "assistant"}, {"content", reply}});
    std::fprintf(stderr, "\n[%lld prompt tokens (%lld cached) at %.1f t/s, %lld generated at %.1f t/s]",
                 (long long)st.n_prompt, (long long)st.n_reused, st.prompt_tps(), (long long)st.n_generated,
                 st.generate_tps());
  }
  std::printf("\n");
}
}  // namespace

void register_chat(CLI::App& app) {
  auto a = std::make_shared<ChatArgs>();
  CLI::App* cmd = app.add_subcommand("chat", "Interactive chat in the terminal using the model's chat template");
  a->model.add_to(cmd);
  cmd->add_option("--system", a->system, "system prompt");
  cmd->add_option("--template", a->template_file, "Jinja chat template file (default: the model's)");
  cmd->add_flag("--think", a->think, "set enable_thinking=true for templates with a thinking toggle");
  cmd->add_flag("--no-think", a->no_think, "set enable_thinking=false (e.g. Qwen3's non-thinking mode)");
  cmd->add_option("-c,--ctx-size", a->ctx, "context size (default: the model's, at most 4096)");
  cmd->add_option("-n,--n-predict", a->n_predict, "maximum tokens per reply (-1: until end of turn)");
  cmd->add_flag("--ignore-eog", a->ignore_eog, "keep generating past end-of-turn tokens");
  cmd->add_option("--temp", a->sampling.temperature, "temperature (0: greedy)");
  cmd->add_option("--top-k", a->sampling.top_k, "top-k (0: off)");
  cmd->add_option("--top-p", a->sampling.top_p, "top-p (1: off)");
  cmd->add_option("--min-p", a->sampling.min_p, "min-p (0: off)");
  cmd->add_option("--repeat-penalty", a->sampling.repeat_penalty, "repetition penalty (1: off)");
  cmd->add_option("-s,--seed", a->seed, "random seed (same seed, same output; -1: a random seed)");
  cmd->callback([a] {
    a->sampling.seed = a->seed >= 0 ? uint64_t(a->seed) : std::random_device{}();
    FRUGAL_CHECK(!(a->think && a->no_think), "--think and --no-think exclude each other");
    chat(*a);
  });
}

}  // namespace frugal::cli
