// UTF-8 helpers, NFC, the byte-level alphabet, pre-tokenizer splits and streaming decode.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "test_tokenizer_util.h"
#include "tokenizer/normalize.h"
#include "tokenizer/pretokenizer.h"

namespace frugal {
namespace {

using namespace std::string_literals;
constexpr const char* kFffd = "\xEF\xBF\xBD";

TEST(TokenizerUtf8, LossyReplacesMaximalSubparts) {
  // Unicode 3.9 / WHATWG: one U+FFFD per maximal subpart of an ill-formed sequence.
  EXPECT_EQ(tok::utf8_lossy("a\xFF" "b"), "a"s + kFffd + "b");
  EXPECT_EQ(tok::utf8_lossy("\xE4\xBD" "a"), kFffd + "a"s);                       // truncated 3-byte
  EXPECT_EQ(tok::utf8_lossy("\xF0\x9F\x98"), kFffd);                               // truncated 4-byte
  EXPECT_EQ(tok::utf8_lossy("\xC0\xAF"), kFffd + std::string(kFffd));               // overlong
  EXPECT_EQ(tok::utf8_lossy("\xE0\x80\x80"), kFffd + std::string(kFffd) + kFffd);   // overlong 3-byte
  EXPECT_EQ(tok::utf8_lossy("\xED\xA0\x80"), kFffd + std::string(kFffd) + kFffd);   // surrogate
  EXPECT_EQ(tok::utf8_lossy("\xF4\x90\x80\x80"), kFffd + std::string(kFffd) + kFffd + kFffd);  // > U+10FFFF
  EXPECT_EQ(tok::utf8_lossy("\xE4\xBD\xA0\xF0\x9F\x98\x80"), "\xE4\xBD\xA0\xF0\x9F\x98\x80");
  EXPECT_EQ(tok::utf8_lossy(""), "");
}

TEST(TokenizerUtf8, IncompleteTail) {
  EXPECT_EQ(tok::utf8_incomplete_tail("abc\xE4"), 1u);
  EXPECT_EQ(tok::utf8_incomplete_tail("abc\xE4\xBD"), 2u);
  EXPECT_EQ(tok::utf8_incomplete_tail("\xF0\x9F\x98"), 3u);
  EXPECT_EQ(tok::utf8_incomplete_tail("a\xC3"), 1u);
  EXPECT_EQ(tok::utf8_incomplete_tail("\xE4\xBD\xA0"), 0u);
  EXPECT_EQ(tok::utf8_incomplete_tail("\xF0\x9F\x98\x80"), 0u);
  EXPECT_EQ(tok::utf8_incomplete_tail("\xFF"), 0u);
  EXPECT_EQ(tok::utf8_incomplete_tail("\x80"), 0u);
  EXPECT_EQ(tok::utf8_incomplete_tail("\xE0\x80"), 0u);  // can never complete
  EXPECT_EQ(tok::utf8_incomplete_tail(""), 0u);
}

TEST(TokenizerUtf8, ByteLevelAlphabet) {
  std::set<std::string> seen;
  for (int b = 0; b < 256; ++b) {
    const std::string bytes(1, static_cast<char>(b));
    const std::string enc = tok::byte_level_encode(bytes);
    seen.insert(enc);
    std::string dec;
    ASSERT_TRUE(tok::byte_level_decode(enc, dec));
    EXPECT_EQ(dec, bytes);
  }
  EXPECT_EQ(seen.size(), 256u);
  EXPECT_EQ(tok::byte_level_encode(" \n!A"), "\xC4\xA0\xC4\x8A!A");  // U+0120 U+010A
  std::string out;
  EXPECT_FALSE(tok::byte_level_decode("\xE4\xBD\xA0", out));  // not in the alphabet
}

TEST(TokenizerNfc, ComposesAroundIllFormedBytes) {
  EXPECT_EQ(tok::nfc("e\xCC\x81"), "\xC3\xA9");
  EXPECT_EQ(tok::nfc("\xE2\x84\xAB"), "\xC3\x85");  // U+212B ANGSTROM SIGN -> U+00C5
  EXPECT_EQ(tok::nfc("\xE1\x84\x80\xE1\x85\xA1"), "\xEA\xB0\x80");  // Hangul jamo -> U+AC00
  EXPECT_EQ(tok::nfc("e\xFF\xCC\x81"), "e\xFF\xCC\x81");  // no composition across a bad byte
  EXPECT_EQ(tok::nfc("plain ascii"), "plain ascii");
}

std::vector<std::string> split(const std::string& pre, const std::string& text) {
  const auto spec = tok::pre_tokenizer_spec(pre);
  EXPECT_TRUE(spec.has_value()) << pre;
  tok::PreTokenizer p(spec->patterns);
  std::vector<tok::Span> spans;
  p.split(text, spans);
  std::vector<std::string> out;
  for (const auto& s : spans) out.push_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

using V = std::vector<std::string>;

TEST(TokenizerPreTokenizer, KnownSplits) {
  EXPECT_EQ(split("gpt-2", "Hello  world\n\nI'm 12345!"),
            (V{"Hello", " ", " world", "\n", "\n", "I", "'m", " 12345", "!"}));
  EXPECT_EQ(split("qwen2", "Hello  world\n\n12345 it'S"),
            (V{"Hello", " ", " world", "\n\n", "1", "2", "3", "4", "5", " it", "'S"}));
  EXPECT_EQ(split("llama-bpe", "1234567 x;\n\ny"), (V{"123", "456", "7", " x", ";\n\n", "y"}));
  EXPECT_EQ(split("gpt-4o", "HelloWorld path/to/x\n"), (V{"Hello", "World", " path", "/to", "/x", "\n"}));
  EXPECT_EQ(split("deepseek-v3", "abc1234567\xE4\xB8\xAD\xE6\x96\x87!"),
            (V{"abc", "123", "456", "7", "\xE4\xB8\xAD\xE6\x96\x87", "!"}));
  EXPECT_EQ(split("deepseek-coder", "x = 42\n"), (V{"x", " = ", "4", "2", "\n"}));  // "=" is a symbol, not \p{P}
  EXPECT_EQ(split("gpt-2", ""), V{});
  EXPECT_EQ(split("gpt-2", std::string(100000, ' ')), V{std::string(100000, ' ')});
  EXPECT_EQ(split("qwen2", std::string(100000, 'a')), V{std::string(100000, 'a')});
}

TEST(TokenizerPreTokenizer, WhitespaceClassExpansion) {
  EXPECT_EQ(tok::expand_whitespace_classes(R"(\s+(?!\S))"),
            R"([\t\n\x{0B}\f\r\x{85}\p{Z}]+(?![^\t\n\x{0B}\f\r\x{85}\p{Z}]))");
  EXPECT_EQ(tok::expand_whitespace_classes(R"([^\s\p{L}]\\s)"), R"([^\t\n\x{0B}\f\r\x{85}\p{Z}\p{L}]\\s)");
}

// Decoding token by token equals decoding everything at once, for random token mixes.
void check_stream_matches_decode(const Tokenizer& t, const std::vector<int32_t>& pool, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<int32_t> ids(1 + rng() % 16);
    for (auto& id : ids) id = pool[rng() % pool.size()];
    for (bool skip : {false, true}) {
      StreamDecoder d(t, {.skip_special = skip});
      std::string s;
      for (int32_t id : ids) {
        const std::string part = d.push(id);
        EXPECT_EQ(tok::utf8_lossy(part), part);  // never a broken sequence
        s += part;
      }
      s += d.flush();
      ASSERT_EQ(s, t.decode(ids, skip)) << "seed " << seed << " iter " << iter;
    }
  }
}

TEST(TokenizerStream, MultiByteSplitAcrossTokens) {
  auto t = test::load_tokenizer(test::write_gguf("stream-bpe", [](GgufWriter& w) { test::fill_tiny_bpe(w); }));
  StreamDecoder d(*t.tok);
  // U+4F60 (E4 BD A0) and U+1F600 (F0 9F 98 80), one byte token at a time.
  EXPECT_EQ(d.push(0xE4), "");
  EXPECT_EQ(d.push(0xBD), "");
  EXPECT_EQ(d.push(0xA0), "\xE4\xBD\xA0");
  EXPECT_EQ(d.push(0xF0), "");
  EXPECT_EQ(d.push(0x9F), "");
  EXPECT_EQ(d.push(0x98), "");
  EXPECT_EQ(d.push(0x80), "\xF0\x9F\x98\x80");
  EXPECT_EQ(d.push(0xFF), kFffd);  // can never complete: replaced at once
  EXPECT_EQ(d.push(0xE4), "");
  EXPECT_EQ(d.flush(), kFffd);     // incomplete at the end
  EXPECT_EQ(d.flush(), "");
}

TEST(TokenizerStream, MatchesDecodeWithCleanUp) {
  auto t = test::load_tokenizer(test::write_gguf("stream-bpe", [](GgufWriter& w) { test::fill_tiny_bpe(w); }));
  std::vector<int32_t> pool;
  for (char c : std::string(" .,?!'nstmrevla")) pool.push_back(static_cast<uint8_t>(c));
  for (int b : {0xE4, 0xBD, 0xA0, 0xF0, 0x9F}) pool.push_back(b);
  for (const char* s : {"<|endoftext|>", "<think>", "hello", "\xC4\xA0world"}) pool.push_back(t.tok->token_id(s));
  check_stream_matches_decode(*t.tok, pool, 1);
}

TEST(TokenizerStream, MatchesDecodeOnRealVocabs) {
  for (const char* name : {"gpt-2", "llama-spm", "phi-3"}) {
    const std::string path = test::shared_vocab(name);
    if (path.empty()) GTEST_SKIP() << "../shared/data/vocab is absent";
    auto t = test::load_tokenizer(path);
    std::vector<int32_t> pool;
    for (int id = 0; id < 300; ++id) pool.push_back(id);  // specials, byte tokens, short pieces
    for (const char* s : {"Hello . world , it 's n't ' ", " \xE4\xBD\xA0\xE5\xA5\xBD", "\n\n  x"})
      for (int32_t id : t.tok->encode(s, {.add_special = false})) pool.push_back(id);
    check_stream_matches_decode(*t.tok, pool, 2);
  }
}

}  // namespace
}  // namespace frugal
