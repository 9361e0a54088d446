// Text <-> token ids for GGUF vocabularies (byte-level BPE and SentencePiece), exact to Hugging Face.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace frugal {

class GgufFile;
namespace tok {
struct Vocab;
}

struct EncodeOptions {
  bool add_special = true;     // add BOS (and EOS) per the vocab's add_bos/add_eos rules
  bool parse_special = false;  // recognise special/control tokens written in the text
};

class Tokenizer {
 public:
  // Reads tokenizer.ggml.* keys; throws Error naming the key on any invalid metadata.
  static std::unique_ptr<Tokenizer> from_gguf(const GgufFile& f);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Any bytes are accepted: ill-formed UTF-8 is tokenized byte by byte (byte tokens), never rejected.
  std::vector<int32_t> encode(std::string_view text, const EncodeOptions& opt = {}) const;
  // Hugging Face's decode: concatenated pieces, ill-formed UTF-8 replaced by U+FFFD, the SentencePiece
  // leading space stripped, clean_up_tokenization_spaces where the model's tokenizer uses it.
  // Ids outside the vocabulary are ignored.
  std::string decode(std::span<const int32_t> ids, bool skip_special = false) const;
  std::string token_to_piece(int32_t id) const;  // raw bytes of one token ("" if out of range)

  int32_t n_vocab() const;
  int32_t bos() const;  // -1 if none
  int32_t eos() const;  // -1 if none
  bool add_bos() const;
  bool is_eog(int32_t id) const;  // end of generation (eos, eot, <|im_end|>, <|eot_id|> ...)
  bool is_special(int32_t id) const;  // control / unknown tokens (skipped by decode(skip_special))
  int32_t token_id(std::string_view text) const;  // id of a token by its stored text, -1 if none
  const std::string& model() const;  // "gpt2" or "llama"
  const std::string& pre() const;    // pre-tokenizer name

  const tok::Vocab& vocab() const { return *vocab_; }

 private:
  Tokenizer();
  struct Impl;
  std::unique_ptr<tok::Vocab> vocab_;
  std::unique_ptr<Impl> impl_;
  friend class StreamDecoder;
};

struct StreamDecodeOptions {
  bool skip_special = false;
};

// Streaming decode that never emits a broken UTF-8 sequence: push(id) returns the text that is
// complete so far. The concatenation of every push() and a final flush() equals decode(ids).
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& t, const StreamDecodeOptions& opt = {});
  std::string push(int32_t id);
  std::string flush();  // emits what is held back (an incomplete sequence becomes U+FFFD)

 private:
  std::string take(bool final);
  const Tokenizer& tok_;
  StreamDecodeOptions opt_;
  std::string bytes_;    // raw bytes not yet emitted
  std::string held_;     // text held back for clean_up_tokenization_spaces
  bool started_ = false;  // the SentencePiece leading space has been dealt with
};

}  // namespace frugal
