// Byte-level BPE and SentencePiece behaviour on small synthetic vocabularies with known answers.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "test_tokenizer_util.h"

namespace frugal {
namespace {

using test::LoadedTokenizer;

LoadedTokenizer tiny_bpe(const std::string& pre = "gpt-2") {
  return test::load_tokenizer(test::write_gguf("tiny-bpe-" + pre, [&](GgufWriter& w) { test::fill_tiny_bpe(w, pre); }));
}

int32_t id(const Tokenizer& t, const std::string& text) {
  const int32_t i = t.token_id(text);
  EXPECT_GE(i, 0) << text;
  return i;
}

TEST(TokenizerBpe, MergesByRank) {
  auto t = tiny_bpe();
  const Tokenizer& k = *t.tok;
  EXPECT_EQ(k.encode("hello world"), (std::vector<int32_t>{id(k, "hello"), id(k, "\xC4\xA0world")}));
  // "hel" -> he + l ("ll" needs two l's); "ababab" -> abab + ab (leftmost first on equal ranks).
  EXPECT_EQ(k.encode("hel"), (std::vector<int32_t>{id(k, "he"), id(k, "l")}));
  EXPECT_EQ(k.encode("ababab"), (std::vector<int32_t>{id(k, "abab"), id(k, "ab")}));
  EXPECT_EQ(k.encode(""), std::vector<int32_t>{});
  EXPECT_EQ(k.decode(k.encode("hello world")), "hello world");
  EXPECT_EQ(k.n_vocab(), 256 + 14);
  EXPECT_EQ(k.bos(), -1);
  EXPECT_EQ(k.eos(), id(k, "<|endoftext|>"));
}

TEST(TokenizerBpe, SpecialTokensOnlyWhenParsing) {
  auto t = tiny_bpe();
  const Tokenizer& k = *t.tok;
  const int32_t eot = id(k, "<|endoftext|>"), think = id(k, "<think>");
  const auto parsed = k.encode("ab<|endoftext|>ab", {.parse_special = true});
  EXPECT_EQ(parsed, (std::vector<int32_t>{id(k, "ab"), eot, id(k, "ab")}));
  const auto raw = k.encode("ab<|endoftext|>ab", {.parse_special = false});
  EXPECT_EQ(std::count(raw.begin(), raw.end(), eot), 0);
  EXPECT_EQ(k.decode(raw), "ab<|endoftext|>ab");
  // User-defined tokens are added tokens: recognised even without parse_special.
  EXPECT_EQ(k.encode("<think>ab", {.parse_special = false}), (std::vector<int32_t>{think, id(k, "ab")}));
  // Longest match wins; partial tokens are plain text.
  EXPECT_EQ(k.encode("<|endoftext|", {.parse_special = true}).size(), 12u);
  EXPECT_TRUE(k.is_special(eot));
  EXPECT_FALSE(k.is_special(think));
  EXPECT_TRUE(k.is_eog(eot));
  EXPECT_TRUE(k.is_eog(id(k, "<|im_end|>")));
  EXPECT_FALSE(k.is_eog(think));
  EXPECT_EQ(k.decode(parsed, true), "abab");
  EXPECT_EQ(k.decode(parsed, false), "ab<|endoftext|>ab");
}

TEST(TokenizerBpe, AddBosAndEos) {
  const std::string path = test::write_gguf("tiny-bpe-bos", [](GgufWriter& w) {
    test::fill_tiny_bpe(w);
    w.set_u32("tokenizer.ggml.bos_token_id", 256 + 11);
    w.set_bool("tokenizer.ggml.add_bos_token", true);
    w.set_bool("tokenizer.ggml.add_eos_token", true);
  });
  auto t = test::load_tokenizer(path);
  EXPECT_EQ(t.tok->encode("ab"), (std::vector<int32_t>{267, id(*t.tok, "ab"), 267}));
  EXPECT_EQ(t.tok->encode("ab", {.add_special = false}), (std::vector<int32_t>{id(*t.tok, "ab")}));
  // llama-bpe adds BOS by default, like llama.cpp.
  auto l3 = test::load_tokenizer(test::write_gguf("tiny-bpe-l3", [](GgufWriter& w) {
    test::fill_tiny_bpe(w, "llama-bpe");
    w.set_u32("tokenizer.ggml.bos_token_id", 256 + 11);
  }));
  EXPECT_EQ(l3.tok->encode("ab").front(), 267);
}

TEST(TokenizerBpe, CleanUpTokenizationSpaces) {
  auto gpt2 = tiny_bpe("gpt-2");   // clean_up_tokenization_spaces on
  auto qwen = tiny_bpe("qwen2");   // off
  const std::string s = "Hello . Is it ? a ' b do n't it 's";
  EXPECT_EQ(gpt2.tok->decode(gpt2.tok->encode(s)), "Hello. Is it? a'b don't it's");
  EXPECT_EQ(qwen.tok->decode(qwen.tok->encode(s)), s);
}

TEST(TokenizerBpe, NfcForQwen) {
  auto qwen = tiny_bpe("qwen2");
  auto gpt2 = tiny_bpe("gpt-2");
  const std::string decomposed = "e\xCC\x81\xFF";  // e + U+0301, then an ill-formed byte
  EXPECT_EQ(test::concat_pieces(*qwen.tok, qwen.tok->encode(decomposed)), "\xC3\xA9\xFF");
  EXPECT_EQ(test::concat_pieces(*gpt2.tok, gpt2.tok->encode(decomposed)), decomposed);
}

TEST(TokenizerBpe, ConcurrentEncodeIsSafe) {
  auto t = tiny_bpe("qwen2");
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "hello world abab <think> \xE4\xBD\xA0 " + std::to_string(i) + "\n";
  const auto want = t.tok->encode(text, {.parse_special = true});
  std::vector<std::thread> threads;
  std::vector<bool> ok(4, false);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] { ok[i] = t.tok->encode(text, {.parse_special = true}) == want; });
  for (auto& th : threads) th.join();
  for (bool b : ok) EXPECT_TRUE(b);
}

// SentencePiece: <unk> <s> </s>, 256 byte tokens, then pieces with scores.
LoadedTokenizer tiny_spm() {
  const std::string path = test::write_gguf("tiny-spm", [](GgufWriter& w) {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<int32_t> types = {2, 3, 3};
    std::vector<float> scores = {0, 0, 0};
    for (int b = 0; b < 256; ++b) {
      tokens.push_back(fmt::format("<0x{:02X}>", b));
      types.push_back(6);
      scores.push_back(0);
    }
    const std::vector<std::pair<std::string, float>> pieces = {
        {"\xE2\x96\x81", -1}, {"a", -2}, {"b", -3}, {"\xE2\x96\x81" "a", -4}, {"ab", -5}, {"\xE2\x96\x81" "ab", -0.5f}};
    for (const auto& [p, s] : pieces) {
      tokens.push_back(p);
      types.push_back(1);
      scores.push_back(s);
    }
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_string_array("tokenizer.ggml.tokens", tokens);
    w.set_i32_array("tokenizer.ggml.token_type", types);
    w.set_f32_array("tokenizer.ggml.scores", scores);
  });
  return test::load_tokenizer(path);
}

TEST(TokenizerSpm, ScoresPrefixSpaceAndByteFallback) {
  auto t = tiny_spm();
  const Tokenizer& k = *t.tok;
  const int32_t sp = id(k, "\xE2\x96\x81"), a = id(k, "a"), b = id(k, "b");
  // "ab" -> "▁ab": ▁a (-4) beats ab (-5), then ▁a+b -> ▁ab (-0.5).
  EXPECT_EQ(k.encode("ab"), (std::vector<int32_t>{1, id(k, "\xE2\x96\x81" "ab")}));
  EXPECT_EQ(k.encode("ab", {.add_special = false}), (std::vector<int32_t>{id(k, "\xE2\x96\x81" "ab")}));
  EXPECT_EQ(k.encode("b", {.add_special = false}), (std::vector<int32_t>{sp, b}));
  // 'c' is not a piece: byte fallback <0x63>; spaces are ▁.
  EXPECT_EQ(k.encode("c a", {.add_special = false}), (std::vector<int32_t>{sp, 3 + 'c', id(k, "\xE2\x96\x81" "a")}));
  EXPECT_EQ(k.encode("\xFF", {.add_special = false}), (std::vector<int32_t>{sp, 3 + 0xFF}));
  EXPECT_EQ(k.encode("", {.add_special = true}), (std::vector<int32_t>{1}));
  // A space prefix also follows a special token; decode strips the leading space once.
  EXPECT_EQ(k.encode("a<s>a", {.add_special = false, .parse_special = true}),
            (std::vector<int32_t>{id(k, "\xE2\x96\x81" "a"), 1, id(k, "\xE2\x96\x81" "a")}));
  EXPECT_EQ(k.decode(k.encode("ab a")), "<s> ab a");
  EXPECT_EQ(k.decode(k.encode("ab a"), true), "ab a");
  EXPECT_EQ(k.decode(std::vector<int32_t>{sp, a}), "a");
  EXPECT_EQ(k.decode(std::vector<int32_t>{3 + 0xE4, 3 + 0xBD, 3 + 0xA0}), "\xE4\xBD\xA0");
  EXPECT_EQ(k.decode(std::vector<int32_t>{-5, 1 << 30, a}), "a");  // bad ids are ignored
  EXPECT_EQ(k.token_to_piece(1 << 30), "");
}

}  // namespace
}  // namespace frugal
