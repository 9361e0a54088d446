// Special token ids, add_bos/add_eos flags and the end-of-generation set of a Vocab.
#include <algorithm>
#include <array>

#include "base/error.h"
#include "io/gguf.h"
#include "tokenizer/vocab.h"

namespace frugal::tok {
namespace {

// Reads an optional token id; an id outside the vocabulary is an error naming the key.
int32_t read_id(const GgufFile& f, const Vocab& v, const char* key, int32_t fallback) {
  const auto id = f.get_uint(key);
  if (!id) return fallback < v.size() ? fallback : -1;
  FRUGAL_CHECK(*id < static_cast<uint64_t>(v.size()), "{}: {}: token id {} is out of range (vocabulary has {} tokens)",
               f.path(), key, *id, v.size());
  return static_cast<int32_t>(*id);
}

bool looks_special(const std::string& t) { return t.size() >= 3 && t.front() == '<' && t.back() == '>'; }

// Texts of tokens that end a generation (chat turn ends), as models publish them.
constexpr std::array<std::string_view, 10> kEogTexts = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>",
    "<|return|>", "<|call|>", "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>"};

int32_t find_text(const Vocab& v, std::string_view t) {
  for (int32_t i = 0; i < v.size(); ++i)
    if (v.text[i] == t) return i;
  return -1;
}

void build_eog(Vocab& v) {
  for (int32_t id : {v.eos, v.eot, v.eom})
    if (id >= 0) v.eog.push_back(id);
  // gpt-oss (harmony): <|end|> closes a message, not the generation, when <|return|>/<|call|> exist.
  const bool harmony = find_text(v, "<|return|>") >= 0 && find_text(v, "<|call|>") >= 0;
  for (int32_t i = 0; i < v.size(); ++i) {
    if (v.type[i] != TokenType::Control) continue;
    const std::string& t = v.text[i];
    if (harmony && t == "<|end|>") continue;
    if (std::find(kEogTexts.begin(), kEogTexts.end(), t) != kEogTexts.end()) v.eog.push_back(i);
  }
  std::sort(v.eog.begin(), v.eog.end());
  v.eog.erase(std::unique(v.eog.begin(), v.eog.end()), v.eog.end());
}

}  // namespace

void load_special_tokens(const GgufFile& f, Vocab& v) {
  const bool spm = v.kind == VocabKind::SentencePiece;
  v.bos = read_id(f, v, "tokenizer.ggml.bos_token_id", spm ? 1 : -1);
  v.eos = read_id(f, v, "tokenizer.ggml.eos_token_id", spm ? 2 : -1);
  v.unk = read_id(f, v, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1);
  v.pad = read_id(f, v, "tokenizer.ggml.padding_token_id", -1);
  v.eot = read_id(f, v, "tokenizer.ggml.eot_token_id", -1);
  v.eom = read_id(f, v, "tokenizer.ggml.eom_token_id", -1);
  v.sep = read_id(f, v, "tokenizer.ggml.seperator_token_id", -1);

  // Vocabularies without token types (GPT-2) still mark <|endoftext|> and friends as special.
  for (int32_t id : {v.bos, v.eos, v.eot, v.eom})
    if (id >= 0 && v.type[id] == TokenType::Normal && looks_special(v.text[id])) v.type[id] = TokenType::Control;

  v.add_bos = f.get_bool("tokenizer.ggml.add_bos_token").value_or(v.spec.add_bos);
  v.add_eos = f.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
  v.add_space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix").value_or(spm);
  FRUGAL_CHECK(!v.add_bos || v.bos >= 0, "{}: tokenizer.ggml.add_bos_token is true but tokenizer.ggml.bos_token_id is missing",
               f.path());
  FRUGAL_CHECK(!v.add_eos || v.eos >= 0, "{}: tokenizer.ggml.add_eos_token is true but tokenizer.ggml.eos_token_id is missing",
               f.path());
  build_eog(v);
}

}  // namespace frugal::tok
