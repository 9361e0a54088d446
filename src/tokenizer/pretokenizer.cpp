// Regex pre-tokenizers: pattern table by `tokenizer.ggml.pre` name, PCRE2 compilation and splitting.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/pretokenizer.h"

#include <pcre2.h>

#include "base/error.h"

namespace frugal::tok {
namespace {

// Patterns are the Hugging Face tokenizer.json ones (Oniguruma syntax, which PCRE2 accepts as is
// once \s is expanded); see expand_whitespace_classes.
constexpr const char* kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kO200k =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
    R"(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
    R"(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kDeepseekV3Main =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+)"
    R"(| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kCjkKana = R"([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)";
constexpr const char* kCjkHangul = R"([\x{4E00}-\x{9FA5}\x{0800}-\x{4E00}\x{AC00}-\x{D7FF}]+)";
// The cased-letter class of DeepSeek LLM's tokenizer.json, written as code points.
constexpr const char* kDeepseekLlmLetters =
    R"(\s?[\x{41}-\x{5A}\x{61}-\x{7A}\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293})"
    R"(\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A}\x{38C})"
    R"(\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556}\x{10A0}-\x{10C5})"
    R"(\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF}\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77})"
    R"(\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D}\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57})"
    R"(\x{1F59}\x{1F5B}\x{1F5D}\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4})"
    R"(\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC})"
    R"(\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D})"
    R"(\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B})"
    R"(\x{2C7E}-\x{2CE4}\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F})"
    R"(\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17}\x{FF21}-\x{FF3A})"
    R"(\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3}\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2})"
    R"(\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF}\x{1E900}-\x{1E943}]+)";
constexpr const char* kDeepseekLlmPunct =
    R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)";

constexpr const char* kWhitespace = R"(\t\n\x{0B}\f\r\x{85}\p{Z})";

}  // namespace

std::optional<PreTokenizerSpec> pre_tokenizer_spec(std::string_view name) {
  PreTokenizerSpec s;
  if (name == "default" || name == "gpt-2" || name == "gpt2" || name.empty()) {
    s.patterns = {kGpt2};
  } else if (name == "qwen2") {
    s.patterns = {kQwen2};
    s.nfc = true;
    s.clean_spaces = false;
  } else if (name == "llama-bpe" || name == "llama3" || name == "llama-v3") {
    s.patterns = {kLlama3};
    s.ignore_merges = true;
    s.add_bos = true;
  } else if (name == "gpt-4o" || name == "gpt-oss" || name == "o200k") {
    s.patterns = {kO200k};
    s.ignore_merges = true;
    s.clean_spaces = false;
  } else if (name == "deepseek-v3") {
    s.patterns = {R"(\p{N}{1,3})", kCjkKana, kDeepseekV3Main};
    s.clean_spaces = false;
  } else if (name == "deepseek-llm") {
    s.patterns = {R"([\r\n])", kDeepseekLlmLetters, kDeepseekLlmPunct, R"(\s+$)", kCjkHangul, R"(\p{N}+)"};
    s.clean_spaces = false;
  } else if (name == "deepseek-coder") {
    s.patterns = {R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kCjkHangul, R"(\p{N})"};
    s.clean_spaces = false;
  } else {
    return std::nullopt;
  }
  return s;
}

std::string expand_whitespace_classes(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 32);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char d = p[++i];
      if (d == 's') {
        out += in_class ? std::string(kWhitespace) : "[" + std::string(kWhitespace) + "]";
      } else if (d == 'S') {
        FRUGAL_CHECK(!in_class, "pre-tokenizer regex: \\S inside a character class is not supported");
        out += "[^" + std::string(kWhitespace) + "]";
      } else {
        out += c;
        out += d;
      }
      continue;
    }
    out += c;
    if (!in_class && c == '[') {
      in_class = true;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];  // a leading ']' is literal
    } else if (in_class && c == ']') {
      in_class = false;
    }
  }
  return out;
}

namespace {

struct CodeDeleter {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
using CodePtr = std::unique_ptr<pcre2_code, CodeDeleter>;

// Per-call match state (match data, and a large JIT stack created only if a match needs it).
class Matcher {
 public:
  Matcher() : md_(pcre2_match_data_create(1, nullptr)) {
    FRUGAL_CHECK(md_ != nullptr, "pre-tokenizer: out of memory");
  }
  ~Matcher() {
    pcre2_match_data_free(md_);
    if (ctx_) pcre2_match_context_free(ctx_);
    if (stack_) pcre2_jit_stack_free(stack_);
  }
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // 1: match at [ms, me); 0: no match; -1: the engine gave up (resource limits).
  int find(const pcre2_code* re, std::string_view s, size_t off, size_t& ms, size_t& me) {
    const auto* subj = reinterpret_cast<PCRE2_SPTR>(s.data());
    int rc = pcre2_match(re, subj, s.size(), off, PCRE2_NO_UTF_CHECK, md_, ctx_);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT && !stack_) {
      stack_ = pcre2_jit_stack_create(64 << 10, 64 << 20, nullptr);
      ctx_ = pcre2_match_context_create(nullptr);
      if (stack_ && ctx_) {
        pcre2_jit_stack_assign(ctx_, nullptr, stack_);
        rc = pcre2_match(re, subj, s.size(), off, PCRE2_NO_UTF_CHECK, md_, ctx_);
      }
    }
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) rc = pcre2_match(re, subj, s.size(), off, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md_, ctx_);
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc < 0) return -1;
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md_);
    ms = ov[0];
    me = ov[1];
    return 1;
  }

 private:
  pcre2_match_data* md_;
  pcre2_match_context* ctx_ = nullptr;
  pcre2_jit_stack* stack_ = nullptr;
};

size_t char_len(std::string_view s, size_t i) {
  const auto b = static_cast<uint8_t>(s[i]);
  return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

// Isolated split of s (at offset base in the text): every match and every gap becomes a piece.
void split_one(const pcre2_code* re, std::string_view s, size_t base, Matcher& m, std::vector<Span>& out) {
  size_t gap = 0, from = 0;
  while (from < s.size()) {
    size_t ms = 0, me = 0;
    const int r = m.find(re, s, from, ms, me);
    if (r <= 0) break;  // no match (or the engine gave up): the rest is one piece
    if (me == ms) {     // empty match: step over one character, it stays in the gap
      from = ms + char_len(s, ms);
      continue;
    }
    if (ms > gap) out.push_back({base + gap, base + ms});
    out.push_back({base + ms, base + me});
    gap = from = me;
  }
  if (gap < s.size()) out.push_back({base + gap, base + s.size()});
}

}  // namespace

struct PreTokenizer::Impl {
  std::vector<CodePtr> codes;
};

PreTokenizer::PreTokenizer(const std::vector<std::string>& patterns) : impl_(std::make_unique<Impl>()) {
  for (const std::string& raw : patterns) {
    const std::string pat = expand_whitespace_classes(raw);
    int err = 0;
    PCRE2_SIZE off = 0;
    pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pat.data()), pat.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &err, &off, nullptr);
    if (!re) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      fail("pre-tokenizer regex '{}': {} at offset {}", raw, reinterpret_cast<const char*>(msg), off);
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);  // optional: the interpreter is used if JIT is unavailable
    impl_->codes.emplace_back(re);
  }
}

PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

bool PreTokenizer::empty() const { return impl_->codes.empty(); }

void PreTokenizer::split(std::string_view text, std::vector<Span>& out) const {
  if (text.empty()) return;
  if (impl_->codes.empty()) {
    out.push_back({0, text.size()});
    return;
  }
  Matcher m;
  if (impl_->codes.size() == 1) {
    split_one(impl_->codes[0].get(), text, 0, m, out);
    return;
  }
  std::vector<Span> cur{{0, text.size()}}, next;
  for (const CodePtr& re : impl_->codes) {
    next.clear();
    for (const Span& p : cur) split_one(re.get(), text.substr(p.begin, p.end - p.begin), p.begin, m, next);
    cur.swap(next);
  }
  out.insert(out.end(), cur.begin(), cur.end());
}

}  // namespace frugal::tok
