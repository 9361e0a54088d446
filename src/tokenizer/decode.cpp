// Decoding: pieces, Hugging Face's post-processing (leading-space strip, clean-up), streaming.
#include <array>

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

namespace frugal {
namespace tok {

std::string clean_up_tokenization(std::string_view s) {
  // Applied one after the other over the whole string, exactly like transformers' str.replace chain.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kRules = {{
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  }};
  std::string cur(s), next;
  for (const auto& [from, to] : kRules) {
    if (cur.find(from) == std::string::npos) continue;
    next.clear();
    size_t i = 0;
    for (size_t hit; (hit = cur.find(from, i)) != std::string::npos; i = hit + from.size()) {
      next.append(cur, i, hit - i);
      next.append(to);
    }
    next.append(cur, i, std::string::npos);
    cur.swap(next);
  }
  return cur;
}

namespace {

// Largest prefix of `s` whose clean-up cannot change whatever text follows it (see StreamDecoder).
size_t clean_up_safe_prefix(std::string_view s) {
  const size_t last_space = s.rfind(' ');
  if (last_space == std::string_view::npos) return s.size();
  if (last_space + 1 < s.size()) {
    const char c = s[last_space + 1];
    if (c != '.' && c != '?' && c != '!' && c != ',' && c != '\'' && c != 'n') return s.size();
  }
  // Otherwise cut before a space whose left neighbour cannot start or join a rule across the cut.
  for (size_t p = last_space; p > 0; --p) {
    if (s[p] != ' ') continue;
    const char l = s[p - 1];
    if (l != ' ' && l != 'n' && l != '\'') return p;
  }
  return 0;
}

}  // namespace
}  // namespace tok

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  const tok::Vocab& v = *vocab_;
  std::string raw;
  for (int32_t id : ids) {
    if (!v.valid(id) || (skip_special && v.is_special(id))) continue;
    raw += v.piece[id];
  }
  std::string out = tok::utf8_lossy(raw);
  if (v.kind == tok::VocabKind::SentencePiece && !out.empty() && out[0] == ' ') out.erase(0, 1);
  if (v.spec.clean_spaces) out = tok::clean_up_tokenization(out);
  return out;
}

StreamDecoder::StreamDecoder(const Tokenizer& t, const StreamDecodeOptions& opt) : tok_(t), opt_(opt) {}

std::string StreamDecoder::push(int32_t id) {
  const tok::Vocab& v = tok_.vocab();
  if (!v.valid(id) || (opt_.skip_special && v.is_special(id))) return {};
  bytes_ += v.piece[id];
  return take(false);
}

std::string StreamDecoder::flush() { return take(true); }

std::string StreamDecoder::take(bool final) {
  const tok::Vocab& v = tok_.vocab();
  const size_t keep = final ? 0 : tok::utf8_incomplete_tail(bytes_);
  std::string text = tok::utf8_lossy(std::string_view(bytes_).substr(0, bytes_.size() - keep));
  bytes_.erase(0, bytes_.size() - keep);
  if (!started_ && !text.empty()) {
    if (v.kind == tok::VocabKind::SentencePiece && text[0] == ' ') text.erase(0, 1);
    started_ = true;
  }
  if (!v.spec.clean_spaces) return text;
  held_ += text;
  const size_t n = final ? held_.size() : tok::clean_up_safe_prefix(held_);
  std::string out = tok::clean_up_tokenization(std::string_view(held_).substr(0, n));
  held_.erase(0, n);
  return out;
}

}  // namespace frugal
