// Helpers for the tokenizer unit tests: synthetic vocab GGUF files and the shared llama.cpp vocab files.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "io/gguf_writer.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace frugal::test {

inline std::filesystem::path tokenizer_tmp_dir() {
  std::filesystem::path p = process_tmp_dir() / "tokenizer";
  std::filesystem::create_directories(p);
  return p;
}

// Writes a GGUF holding only what `fill` sets and returns its path.
inline std::string write_gguf(const std::string& name, const std::function<void(GgufWriter&)>& fill) {
  GgufWriter w;
  fill(w);
  const std::string path = (tokenizer_tmp_dir() / (name + ".gguf")).string();
  w.write(path);
  return path;
}

struct LoadedTokenizer {
  std::unique_ptr<GgufFile> file;
  std::unique_ptr<Tokenizer> tok;
};

inline LoadedTokenizer load_tokenizer(const std::string& path) {
  LoadedTokenizer t;
  t.file = GgufFile::open(path);
  t.tok = Tokenizer::from_gguf(*t.file);
  return t;
}

// The 256 byte-level tokens (GPT-2 alphabet) in byte order.
inline std::vector<std::string> byte_level_tokens() {
  std::vector<std::string> out;
  for (int b = 0; b < 256; ++b) out.push_back(tok::byte_level_encode(std::string(1, static_cast<char>(b))));
  return out;
}

// A small byte-level BPE vocab: 256 byte tokens, merges for "hello", " world", "ab", and three added
// tokens: <|endoftext|> (control, eos), <|im_end|> (control), <think> (user-defined).
inline void fill_tiny_bpe(GgufWriter& w, const std::string& pre = "gpt-2") {
  std::vector<std::string> tokens = byte_level_tokens();
  std::vector<std::string> merges = {"h e", "l l", "he ll", "hell o", "\xC4\xA0 w", "o r", "\xC4\xA0w or", "\xC4\xA0wor l",
                                     "\xC4\xA0worl d", "a b", "ab ab"};
  for (const char* t : {"he", "ll", "hell", "hello", "\xC4\xA0w", "or", "\xC4\xA0wor", "\xC4\xA0worl", "\xC4\xA0world", "ab",
                        "abab", "<|endoftext|>", "<|im_end|>", "<think>"})
    tokens.push_back(t);
  std::vector<int32_t> types(tokens.size(), 1);
  const auto n = static_cast<int32_t>(tokens.size());
  types[n - 3] = 3;
  types[n - 2] = 3;
  types[n - 1] = 4;
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", pre);
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  w.set_i32_array("tokenizer.ggml.token_type", types);
  w.set_string_array("tokenizer.ggml.merges", merges);
  w.set_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(n - 3));
}

// Path of a llama.cpp vocab file under ../shared/data/vocab, or "" when that folder is absent.
inline std::string shared_vocab(const std::string& name) {
  const std::filesystem::path p = std::filesystem::path(FRUGAL_SOURCE_DIR) / ".." / "shared" / "data" / "vocab" /
                                  ("ggml-vocab-" + name + ".gguf");
  return std::filesystem::exists(p) ? p.string() : std::string();
}

inline std::string concat_pieces(const Tokenizer& t, const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += t.token_to_piece(id);
  return s;
}

}  // namespace frugal::test
