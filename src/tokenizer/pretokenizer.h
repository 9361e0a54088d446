// Regex pre-tokenizers (PCRE2, UTF + UCP): Hugging Face "Split" sequences with Isolated behavior.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace frugal::tok {

struct Span {
  size_t begin = 0;
  size_t end = 0;
};

// How a named pre-tokenizer (GGUF `tokenizer.ggml.pre`) behaves, per its Hugging Face tokenizer.json.
struct PreTokenizerSpec {
  std::vector<std::string> patterns;  // applied in sequence, each to every piece of the previous one
  bool nfc = false;                   // NFC normalizer before splitting
  bool ignore_merges = false;         // whole pre-token found in the vocab wins over merges
  bool clean_spaces = true;           // decode: HF clean_up_tokenization_spaces
  bool add_bos = false;               // default when tokenizer.ggml.add_bos_token is absent
};

// The spec for a `tokenizer.ggml.pre` value of a byte-level BPE vocab; nullopt if unknown.
std::optional<PreTokenizerSpec> pre_tokenizer_spec(std::string_view name);

// Rewrites `\s` / `\S` to the Unicode White_Space set that Hugging Face's regex engine (Oniguruma)
// uses: [\t\n\v\f\r\x{85}\p{Z}]. PCRE2's own UCP \s differs (it adds U+180E).
std::string expand_whitespace_classes(std::string_view pattern);

class PreTokenizer {
 public:
  // Compiles (and JIT-compiles) each pattern; throws Error naming the pattern on failure.
  explicit PreTokenizer(const std::vector<std::string>& patterns);
  ~PreTokenizer();
  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;

  // Splits well-formed UTF-8 `text` into pieces; appends spans relative to `text` to `out`.
  // Pieces cover the text exactly, in order (matches and the gaps between them).
  void split(std::string_view text, std::vector<Span>& out) const;

  bool empty() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace frugal::tok
