// SentencePiece BPE encoding of a text segment: U+2581 escaping, merges by score (or by rank), byte fallback.
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

namespace frugal::tok {
namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581
constexpr int32_t kIllFormed = -2;                    // symbol id of ill-formed bytes: never merges

void escape(std::string_view seg, bool prefix_space, std::string& s) {
  s.clear();
  s.reserve(seg.size() + 8);
  if (prefix_space) s += kSpace;
  for (char c : seg) {
    if (c == ' ') {
      s += kSpace;
    } else {
      s += c;
    }
  }
}

int32_t lookup(const Vocab& v, std::string_view t) { return v.text_to_id.find(t); }

// One symbol per character. With merge ranks (Hugging Face BPE), characters missing from the
// vocabulary become byte tokens right away; with scores (SentencePiece) they stay as text.
void init_symbols(const Vocab& v, std::string_view s, bool ranks, std::vector<Symbol>& sym) {
  sym.clear();
  const auto add = [&sym](int32_t id, size_t start, size_t len) {
    const auto n = static_cast<int32_t>(sym.size());
    sym.push_back({id, static_cast<uint32_t>(start), static_cast<uint32_t>(len), n - 1, -1});
    if (n > 0) sym[n - 1].next = n;
  };
  size_t i = 0;
  while (i < s.size()) {
    size_t len = utf8_valid_len(s, i);
    if (len == 0) {
      len = utf8_subpart_len(s, i);
      add(kIllFormed, i, len);
    } else if (const int32_t id = lookup(v, s.substr(i, len)); id >= 0 || !ranks) {
      add(id, i, len);
    } else {
      for (size_t k = 0; k < len; ++k) add(v.byte_token[static_cast<uint8_t>(s[i + k])], i + k, 1);
    }
    i += len;
  }
}

void emit(const Vocab& v, std::string_view s, const std::vector<Symbol>& sym, std::vector<int32_t>& out) {
  for (int32_t i = 0; i >= 0 && i < static_cast<int32_t>(sym.size()); i = sym[i].next) {
    const Symbol& x = sym[i];
    if (x.id >= 0) {
      out.push_back(x.id);
      continue;
    }
    for (uint32_t k = 0; k < x.len; ++k) {  // byte fallback, or <unk> without byte tokens
      const int32_t b = v.byte_token[static_cast<uint8_t>(s[x.start + k])];
      if (b >= 0) {
        out.push_back(b);
      } else if (v.unk >= 0 && (out.empty() || out.back() != v.unk)) {  // fused, as HF's fuse_unk
        out.push_back(v.unk);
      }
    }
  }
}

constexpr size_t kCacheMaxWord = 48;
constexpr size_t kCacheMaxEntries = 1 << 15;

void merge_word(const Vocab& v, std::string_view word, EncodeState& st, std::vector<int32_t>& out) {
  const bool ranks = !v.merges.empty();
  init_symbols(v, word, ranks, st.merge.symbols);
  if (ranks) {
    merge_symbols(st.merge, [&v](const Symbol& l, const Symbol& r, double& prio, int32_t& result) {
      if (l.id < 0 || r.id < 0) return false;
      const MergeRule* m = v.find_merge(l.id, r.id);
      if (!m) return false;
      prio = m->rank;
      result = m->result;
      return true;
    });
  } else {
    merge_symbols(st.merge, [&v, word](const Symbol& l, const Symbol& r, double& prio, int32_t& result) {
      if (l.id == kIllFormed || r.id == kIllFormed) return false;
      const int32_t id = lookup(v, word.substr(l.start, l.len + r.len));
      if (id < 0 || (v.type[id] != TokenType::Normal && v.type[id] != TokenType::Undefined)) return false;
      prio = -static_cast<double>(v.score[id]);
      result = id;
      return true;
    });
  }
  emit(v, word, st.merge.symbols, out);
}

void merge_word_cached(const Vocab& v, std::string_view word, EncodeState& st, std::vector<int32_t>& out) {
  if (word.size() > kCacheMaxWord) {
    merge_word(v, word, st, out);
    return;
  }
  st.buffer.assign(word);
  const auto it = st.word_cache.find(st.buffer);
  if (it != st.word_cache.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
    return;
  }
  const size_t mark = out.size();
  merge_word(v, word, st, out);
  if (st.word_cache.size() >= kCacheMaxEntries) st.word_cache.clear();
  st.word_cache.emplace(st.buffer, std::vector<int32_t>(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end()));
}

}  // namespace

void encode_spm_segment(const Vocab& v, std::string_view seg, bool prefix_space, EncodeState& st,
                        std::vector<int32_t>& out) {
  std::string& s = st.text;
  escape(seg, prefix_space, s);
  if (!v.spm_words_independent) {
    merge_word(v, s, st, out);
    return;
  }
  // Words start at a U+2581 that follows another character; merges never cross that point.
  const std::string_view text = s;
  size_t start = 0;
  for (size_t i = 3; i + 3 <= text.size(); ++i) {
    if (text.substr(i, 3) == kSpace && text.substr(i - 3, 3) != kSpace) {
      merge_word_cached(v, text.substr(start, i - start), st, out);
      start = i;
    }
  }
  if (start < text.size()) merge_word_cached(v, text.substr(start), st, out);
}

}  // namespace frugal::tok
