// Loads tokenizer.ggml.* from a GGUF file into a Vocab; every count, id and type is range-checked.
#include "tokenizer/vocab.h"

#include <algorithm>
#include <limits>

#include "base/error.h"
#include "io/gguf.h"
#include "tokenizer/utf8.h"

namespace frugal::tok {
namespace {

constexpr std::string_view kSpmSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

void load_types(const GgufFile& f, Vocab& v) {
  const size_t n = v.text.size();
  v.type.assign(n, TokenType::Normal);
  const auto types = f.get_int_array("tokenizer.ggml.token_type");
  if (!types) return;
  FRUGAL_CHECK(types->size() == n, "{}: tokenizer.ggml.token_type: {} entries for {} tokens", f.path(),
               types->size(), n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t t = (*types)[i];
    FRUGAL_CHECK(t >= 0 && t <= 6, "{}: tokenizer.ggml.token_type[{}]: invalid token type {}", f.path(), i, t);
    v.type[i] = static_cast<TokenType>(t);
  }
}

void load_scores(const GgufFile& f, Vocab& v) {
  const size_t n = v.text.size();
  auto scores = f.get_float_array("tokenizer.ggml.scores");
  if (!scores) {
    v.score.assign(n, 0.0f);
    return;
  }
  FRUGAL_CHECK(scores->size() == n, "{}: tokenizer.ggml.scores: {} entries for {} tokens", f.path(), scores->size(), n);
  v.score = std::move(*scores);
}

// "<0x0A>" -> 10; -1 if the text is not of that form.
int parse_byte_token(std::string_view t) {
  if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return -1;
  int value = 0;
  for (size_t i = 3; i < 5; ++i) {
    const char c = t[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return -1;
    value = value * 16 + d;
  }
  return value;
}

std::string spm_unescape(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  size_t i = 0;
  while (i < t.size()) {
    if (t.substr(i, 3) == kSpmSpace) {
      out += ' ';
      i += 3;
    } else {
      out += t[i++];
    }
  }
  return out;
}

// Raw bytes of every token, as Hugging Face's decoders produce them.
void build_pieces(const GgufFile& f, Vocab& v) {
  const size_t n = v.text.size();
  v.piece.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string& t = v.text[i];
    const TokenType ty = v.type[i];
    if (ty == TokenType::Control || ty == TokenType::UserDefined || ty == TokenType::Unknown) {
      v.piece[i] = t;
    } else if (v.kind == VocabKind::BytePair) {
      if (!byte_level_decode(t, v.piece[i])) v.piece[i] = t;  // outside the byte alphabet: raw text
    } else if (ty == TokenType::Byte) {
      const int b = parse_byte_token(t);
      FRUGAL_CHECK(b >= 0, "{}: tokenizer.ggml.tokens[{}]: byte token '{}' is not of the form <0xNN>", f.path(), i, t);
      v.piece[i] = std::string(1, static_cast<char>(b));
    } else {
      v.piece[i] = spm_unescape(t);
    }
  }
}

void build_maps(Vocab& v) {
  const int32_t n = v.size();
  v.text_to_id.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i)
    if (!v.text[i].empty()) v.text_to_id.insert(v.text[i], i);  // duplicates: the first id wins
  v.byte_token.fill(-1);
  for (int b = 0; b < 256; ++b) {
    std::string key;
    if (v.kind == VocabKind::BytePair) {
      key = byte_level_encode(std::string(1, static_cast<char>(b)));
    } else {
      key = fmt::format("<0x{:02X}>", b);
    }
    v.byte_token[b] = v.text_to_id.find(key);
  }
  if (v.kind == VocabKind::BytePair) {
    v.piece_to_id.reserve(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i) {
      const TokenType t = v.type[i];
      if ((t == TokenType::Normal || t == TokenType::Undefined) && !v.piece[i].empty()) v.piece_to_id.insert(v.piece[i], i);
    }
  }
}

// True if U+2581 only ever starts a token (possibly repeated): "▁▁a" is fine, "a▁" is not.
bool spm_space_only_leads(const Vocab& v) {
  for (int32_t i = 0; i < v.size(); ++i) {
    if (v.type[i] == TokenType::Control || v.type[i] == TokenType::Byte || v.type[i] == TokenType::Unknown) continue;
    const std::string_view t = v.text[i];
    size_t lead = 0;
    while (t.substr(lead, 3) == kSpmSpace) lead += 3;
    if (t.find(kSpmSpace, lead) != std::string_view::npos) return false;
  }
  return true;
}

void load_merges(const GgufFile& f, Vocab& v) {
  const auto* merges = f.get_string_array("tokenizer.ggml.merges");
  if (!merges) {
    FRUGAL_CHECK(v.kind != VocabKind::BytePair, "{}: tokenizer.ggml.merges: missing (required by the gpt2 tokenizer)", f.path());
    return;
  }
  FRUGAL_CHECK(merges->size() < static_cast<size_t>(std::numeric_limits<int32_t>::max()),
               "{}: tokenizer.ggml.merges: too many entries", f.path());
  v.merges.reserve(merges->size());
  std::string joined;
  for (size_t i = 0; i < merges->size(); ++i) {
    const std::string_view m = (*merges)[i];
    const size_t sp = m.size() > 1 ? m.find(' ', 1) : std::string_view::npos;
    FRUGAL_CHECK(sp != std::string_view::npos, "{}: tokenizer.ggml.merges[{}]: '{}' is not two tokens separated by a space",
                 f.path(), i, m);
    const std::string_view a = m.substr(0, sp), b = m.substr(sp + 1);
    joined.assign(a);
    joined.append(b);
    const int32_t ia = v.text_to_id.find(a), ib = v.text_to_id.find(b), ir = v.text_to_id.find(joined);
    // A merge whose parts or result are not tokens can never apply; skip it as llama.cpp does.
    if (ia < 0 || ib < 0 || ir < 0) continue;
    v.merges.insert(ia, ib, MergeRule{static_cast<int32_t>(i), ir});
  }
}

}  // namespace

void load_special_tokens(const GgufFile& f, Vocab& v);  // vocab_special.cpp

Vocab load_vocab(const GgufFile& f) {
  Vocab v;
  const auto model = f.get_string("tokenizer.ggml.model");
  FRUGAL_CHECK(model.has_value(), "{}: tokenizer.ggml.model: missing (this GGUF has no tokenizer)", f.path());
  if (*model == "gpt2") {
    v.kind = VocabKind::BytePair;
  } else if (*model == "llama") {
    v.kind = VocabKind::SentencePiece;
  } else {
    fail("{}: tokenizer.ggml.model: unsupported tokenizer '{}' (supported: gpt2, llama)", f.path(), *model);
  }
  if (auto pre = f.get_string("tokenizer.ggml.pre")) v.pre = std::string(*pre);
  if (v.kind == VocabKind::BytePair) {
    auto spec = pre_tokenizer_spec(v.pre);
    FRUGAL_CHECK(spec.has_value(), "{}: tokenizer.ggml.pre: unsupported pre-tokenizer '{}'", f.path(), v.pre);
    v.spec = std::move(*spec);
  } else {
    v.spec = PreTokenizerSpec{};
    v.spec.clean_spaces = false;
    v.spec.add_bos = true;
  }

  const auto* tokens = f.get_string_array("tokenizer.ggml.tokens");
  FRUGAL_CHECK(tokens && !tokens->empty(), "{}: tokenizer.ggml.tokens: missing or empty", f.path());
  FRUGAL_CHECK(tokens->size() < static_cast<size_t>(std::numeric_limits<int32_t>::max()),
               "{}: tokenizer.ggml.tokens: {} tokens is too many", f.path(), tokens->size());
  v.text.assign(tokens->begin(), tokens->end());
  load_types(f, v);
  load_scores(f, v);
  load_special_tokens(f, v);  // may promote special ids to Control before pieces are built
  build_pieces(f, v);
  build_maps(v);
  load_merges(f, v);
  if (v.kind == VocabKind::SentencePiece) v.spm_words_independent = spm_space_only_leads(v);
  return v;
}

}  // namespace frugal::tok
