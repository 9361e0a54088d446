// Internal state of a Tokenizer and the per-call encode scratch (not part of the public interface).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/added_tokens.h"
#include "tokenizer/merge.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace frugal {

struct Tokenizer::Impl {
  explicit Impl(const tok::Vocab& v) : pre(v.spec.patterns), added(v) {}
  tok::PreTokenizer pre;
  tok::AddedTokenMatcher added;
  std::string model_name;
};

namespace tok {

// Scratch for one encode call: no state is shared between calls (or threads).
struct EncodeState {
  MergeScratch merge;
  std::vector<Segment> segments;
  std::vector<Span> pieces;
  std::string buffer;  // cache key scratch
  std::string text;    // SentencePiece: the escaped segment
  std::unordered_map<std::string, std::vector<int32_t>> word_cache;  // bounded, see encode_bpe.cpp
};

// Byte-level BPE of one plain-text segment (normalize, pre-tokenize, merge).
void encode_bpe_segment(const Vocab& v, const PreTokenizer& pre, std::string_view seg, EncodeState& st,
                        std::vector<int32_t>& out);
// SentencePiece BPE of one plain-text segment; `prefix_space` prepends U+2581.
void encode_spm_segment(const Vocab& v, std::string_view seg, bool prefix_space, EncodeState& st,
                        std::vector<int32_t>& out);
// Hugging Face's clean_up_tokenization (spaces before punctuation and English contractions).
std::string clean_up_tokenization(std::string_view s);

}  // namespace tok
}  // namespace frugal
