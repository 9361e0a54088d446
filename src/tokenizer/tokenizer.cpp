// Tokenizer: construction from GGUF, accessors and the encode pipeline (added tokens, segments, BOS/EOS).
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <limits>

#include "base/error.h"
#include "io/gguf.h"
#include "tokenizer/tokenizer_impl.h"

namespace frugal {

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const GgufFile& f) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->vocab_ = std::make_unique<tok::Vocab>(tok::load_vocab(f));
  t->impl_ = std::make_unique<Impl>(*t->vocab_);
  t->impl_->model_name = t->vocab_->kind == tok::VocabKind::BytePair ? "gpt2" : "llama";
  return t;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, const EncodeOptions& opt) const {
  const tok::Vocab& v = *vocab_;
  // Symbol offsets are 32-bit.
  FRUGAL_CHECK(text.size() < std::numeric_limits<uint32_t>::max() / 2, "tokenize: text of {} bytes is too large",
               text.size());
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (opt.add_special && v.add_bos) out.push_back(v.bos);
  tok::EncodeState st;
  impl_->added.split(text, opt.parse_special, st.segments);
  bool after_token = true;  // SentencePiece prefixes a space to text that starts the input or follows a token
  for (const tok::Segment& s : st.segments) {
    if (s.token >= 0) {
      out.push_back(s.token);
      after_token = true;
      continue;
    }
    const std::string_view seg = text.substr(s.begin, s.end - s.begin);
    if (v.kind == tok::VocabKind::BytePair) {
      tok::encode_bpe_segment(v, impl_->pre, seg, st, out);
    } else {
      tok::encode_spm_segment(v, seg, v.add_space_prefix && after_token, st, out);
    }
    after_token = false;
  }
  if (opt.add_special && v.add_eos) out.push_back(v.eos);
  return out;
}

int32_t Tokenizer::n_vocab() const { return vocab_->size(); }
int32_t Tokenizer::bos() const { return vocab_->bos; }
int32_t Tokenizer::eos() const { return vocab_->eos; }
bool Tokenizer::add_bos() const { return vocab_->add_bos; }
bool Tokenizer::is_special(int32_t id) const { return vocab_->is_special(id); }
const std::string& Tokenizer::model() const { return impl_->model_name; }
const std::string& Tokenizer::pre() const { return vocab_->pre; }

bool Tokenizer::is_eog(int32_t id) const {
  return std::binary_search(vocab_->eog.begin(), vocab_->eog.end(), id);
}

int32_t Tokenizer::token_id(std::string_view text) const {
  return vocab_->text_to_id.find(text);
}

std::string Tokenizer::token_to_piece(int32_t id) const {
  return vocab_->valid(id) ? vocab_->piece[id] : std::string();
}

}  // namespace frugal
