// `frugal tokenize`: print the token ids of a text (or file) with a model's tokenizer.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/commands.h"
#include "base/error.h"
#include "base/timer.h"
#include "io/gguf.h"
#include "tokenizer/tokenizer.h"

namespace frugal::cli {
namespace {

struct TokenizeArgs {
  std::string model;
  std::string file;
  std::string text;
  std::string jsonl_in;
  bool no_parse_special = false;
  bool no_bos = false;
  bool pieces = false;
  bool time = false;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  FRUGAL_CHECK(in.good(), "cannot open '{}'", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// JSON text of a string that may hold any bytes (ill-formed UTF-8 shows as U+FFFD).
std::string quoted(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json decode_record(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  StreamDecoder stream(tok);
  std::string streamed;
  for (int32_t id : ids) streamed += stream.push(id);
  streamed += stream.flush();
  return {{"decoded", tok.decode(ids)}, {"decoded_skip", tok.decode(ids, true)}, {"streamed", streamed}};
}

// Batch mode for tests: each input line is a JSON string to encode, or {"ids": [...]} to decode.
void run_jsonl(const Tokenizer& tok, const EncodeOptions& opt, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  FRUGAL_CHECK(in.good(), "cannot open '{}'", path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    FRUGAL_CHECK(!j.is_discarded(), "{}:{}: not valid JSON", path, n);
    nlohmann::json rec;
    try {
      if (j.is_object() && j.contains("ids")) {
        rec = decode_record(tok, j["ids"].get<std::vector<int32_t>>());
      } else {
        const std::string text = j.is_string() ? j.get<std::string>() : j.at("text").get<std::string>();
        const std::vector<int32_t> ids = tok.encode(text, opt);
        rec = decode_record(tok, ids);
        rec["ids"] = ids;
      }
    } catch (const nlohmann::json::exception& e) {
      fail("{}:{}: {}", path, n, e.what());
    }
    std::puts(rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
}

void tokenize(const TokenizeArgs& a) {
  const std::string path = a.model.empty() ? default_model_path() : a.model;
  Timer load_timer;
  auto f = GgufFile::open(path);
  auto tok = Tokenizer::from_gguf(*f);
  const double load_s = load_timer.seconds();
  EncodeOptions opt;
  opt.add_special = !a.no_bos;
  opt.parse_special = !a.no_parse_special;
  if (!a.jsonl_in.empty()) {
    run_jsonl(*tok, opt, a.jsonl_in);
    return;
  }
  FRUGAL_CHECK(a.file.empty() || a.text.empty(), "give either TEXT or -f FILE, not both");
  const std::string text = a.file.empty() ? a.text : read_file(a.file);
  Timer t;
  const std::vector<int32_t> ids = tok->encode(text, opt);
  const double enc_s = t.seconds();
  if (a.pieces) {
    for (int32_t id : ids) std::printf("%d %s\n", id, quoted(tok->token_to_piece(id)).c_str());
  } else {
    std::string line;
    for (size_t i = 0; i < ids.size(); ++i) line += (i ? " " : "") + std::to_string(ids[i]);
    std::puts(line.c_str());
  }
  if (a.time) {
    std::fprintf(stderr, "load %.3f s; encoded %zu bytes into %zu tokens in %.4f s (%.2f MB/s, %.0f tokens/s)\n",
                 load_s, text.size(), ids.size(), enc_s, enc_s > 0 ? double(text.size()) / enc_s / 1e6 : 0.0,
                 enc_s > 0 ? double(ids.size()) / enc_s : 0.0);
  }
}

}  // namespace

void register_tokenize(CLI::App& app) {
  auto a = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Print the token ids of a text with a model's tokenizer");
  cmd->add_option("text", a->text, "text to tokenize (or use -f)");
  cmd->add_option("-m,--model", a->model, "GGUF file with a tokenizer (default: the built-in model)");
  cmd->add_option("-f,--file", a->file, "read the text from this file (bytes as they are)");
  cmd->add_flag("--no-parse-special", a->no_parse_special,
                "treat special tokens written in the text (e.g. <|im_start|>) as plain text");
  cmd->add_flag("--no-bos", a->no_bos, "do not add BOS/EOS tokens");
  cmd->add_flag("--pieces", a->pieces, "print one token per line: id and its piece (JSON-quoted)");
  cmd->add_flag("--time", a->time, "print load and encode timings to stderr");
  cmd->add_option("--jsonl-in", a->jsonl_in,
                  "batch mode: each line a JSON string to encode (or {\"ids\": [...]} to decode); prints JSON lines")
      ->group("");  // for tests; hidden from --help
  cmd->callback([a] { tokenize(*a); });
}

}  // namespace frugal::cli
