// Tokenizer vocabulary loaded from GGUF `tokenizer.ggml.*` metadata, validated against untrusted values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/flat_map.h"
#include "tokenizer/pretokenizer.h"

namespace frugal {
class GgufFile;
}

namespace frugal::tok {

// llama.cpp's token types (tokenizer.ggml.token_type).
enum class TokenType : uint8_t { Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

enum class VocabKind : uint8_t {
  BytePair,       // tokenizer.ggml.model = "gpt2": byte-level BPE with merges
  SentencePiece,  // tokenizer.ggml.model = "llama": SentencePiece BPE (scores or merges, byte fallback)
};

struct Vocab {
  // Move-only: the maps hold views into the strings.
  Vocab() = default;
  Vocab(Vocab&&) = default;
  Vocab& operator=(Vocab&&) = default;
  Vocab(const Vocab&) = delete;
  Vocab& operator=(const Vocab&) = delete;

  VocabKind kind = VocabKind::BytePair;
  std::string pre = "default";   // tokenizer.ggml.pre
  PreTokenizerSpec spec;         // behaviour implied by `pre` (byte-level BPE only)

  std::vector<std::string> text;   // token strings as stored in the GGUF
  std::vector<std::string> piece;  // raw bytes each token decodes to
  std::vector<TokenType> type;
  std::vector<float> score;
  StringIdMap text_to_id;   // keys point into `text`
  StringIdMap piece_to_id;  // byte-level BPE: normal tokens by raw bytes (keys point into `piece`)
  PairMap merges;           // (left id, right id) -> rank and merged token
  std::array<int32_t, 256> byte_token{};                       // byte -> byte-level token / <0xNN> token, -1 if none

  int32_t bos = -1, eos = -1, unk = -1, pad = -1, eot = -1, eom = -1, sep = -1;
  bool add_bos = false, add_eos = false;
  bool add_space_prefix = true;  // SentencePiece: prepend U+2581 to each text segment
  // SentencePiece: no token has U+2581 after another character, so no merge crosses the start of
  // a "word" (a U+2581 run and what follows): words can be merged one by one (and cached).
  bool spm_words_independent = false;
  std::vector<int32_t> eog;      // end-of-generation ids, sorted

  int32_t size() const { return static_cast<int32_t>(text.size()); }
  bool valid(int32_t id) const { return id >= 0 && id < size(); }
  bool is_special(int32_t id) const {
    return valid(id) && (type[id] == TokenType::Control || type[id] == TokenType::Unknown);
  }
  const MergeRule* find_merge(int32_t l, int32_t r) const { return merges.find(l, r); }
};

// Loads and validates the vocabulary; throws Error naming the offending key.
Vocab load_vocab(const GgufFile& f);

}  // namespace frugal::tok
