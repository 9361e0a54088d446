// Byte-level BPE encoding of a text segment: NFC (if the model has it), regex pre-tokens, merges.
#include "tokenizer/normalize.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

namespace frugal::tok {
namespace {

constexpr size_t kCacheMaxWord = 48;       // bytes; longer pre-tokens are rare and not cached
constexpr size_t kCacheMaxEntries = 1 << 15;

// Merges one pre-token (raw bytes) into ids.
void bpe_word(const Vocab& v, std::string_view word, EncodeState& st, std::vector<int32_t>& out) {
  if (v.spec.ignore_merges) {
    const int32_t id = v.piece_to_id.find(word);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  auto& sym = st.merge.symbols;
  sym.clear();
  for (size_t i = 0; i < word.size(); ++i) {
    const int32_t id = v.byte_token[static_cast<uint8_t>(word[i])];
    const auto n = static_cast<int32_t>(sym.size());
    sym.push_back({id, static_cast<uint32_t>(i), 1, n - 1, -1});
    if (n > 0) sym[n - 1].next = n;
  }
  merge_symbols(st.merge, [&v](const Symbol& l, const Symbol& r, double& prio, int32_t& result) {
    if (l.id < 0 || r.id < 0) return false;
    const MergeRule* m = v.find_merge(l.id, r.id);
    if (!m) return false;
    prio = m->rank;
    result = m->result;
    return true;
  });
  for (int32_t i = 0; i >= 0 && i < static_cast<int32_t>(sym.size()); i = sym[i].next) {
    if (sym[i].id >= 0) {
      out.push_back(sym[i].id);
    } else if (v.unk >= 0) {
      out.push_back(v.unk);  // a byte missing from the vocabulary
    }
  }
}

void bpe_word_cached(const Vocab& v, std::string_view word, EncodeState& st, std::vector<int32_t>& out) {
  if (word.size() > kCacheMaxWord) {
    bpe_word(v, word, st, out);
    return;
  }
  st.buffer.assign(word);
  const auto it = st.word_cache.find(st.buffer);
  if (it != st.word_cache.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
    return;
  }
  const size_t mark = out.size();
  bpe_word(v, word, st, out);
  if (st.word_cache.size() >= kCacheMaxEntries) st.word_cache.clear();
  st.word_cache.emplace(st.buffer, std::vector<int32_t>(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end()));
}

}  // namespace

void encode_bpe_segment(const Vocab& v, const PreTokenizer& pre, std::string_view seg, EncodeState& st,
                        std::vector<int32_t>& out) {
  std::string normalized;
  std::string_view text = seg;
  if (v.spec.nfc) {
    normalized = nfc(seg);
    text = normalized;
  }
  // Well-formed runs go through the regexes; each run of ill-formed bytes is a pre-token of its own.
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size()) {
      const size_t len = utf8_valid_len(text, j);
      if (len == 0) break;
      j += len;
    }
    if (j > i) {
      const std::string_view run = text.substr(i, j - i);
      st.pieces.clear();
      pre.split(run, st.pieces);
      for (const Span& p : st.pieces) bpe_word_cached(v, run.substr(p.begin, p.end - p.begin), st, out);
    }
    size_t k = j;
    while (k < text.size() && utf8_valid_len(text, k) == 0) k += utf8_subpart_len(text, k);
    if (k > j) bpe_word(v, text.substr(j, k - j), st, out);
    i = k;
  }
}

}  // namespace frugal::tok
