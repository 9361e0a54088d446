// llama.cpp's tokenizer test vectors (../shared/data/vocab/*.inp/.out) and real-vocab edge cases.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "test_tokenizer_util.h"
#include "tokenizer/vocab.h"

namespace frugal {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// .inp: inputs separated by "\n__ggml_vocab_test__\n" (the last one is followed by it too).
std::vector<std::string> read_inputs(const std::string& path) {
  const std::string sep = "\n__ggml_vocab_test__\n";
  const std::string all = slurp(path);
  std::vector<std::string> out;
  size_t i = 0;
  for (size_t hit; (hit = all.find(sep, i)) != std::string::npos; i = hit + sep.size()) out.push_back(all.substr(i, hit - i));
  return out;
}

// .out: one line of space-separated ids per input (add_special = false, parse_special = false).
std::vector<std::vector<int32_t>> read_outputs(const std::string& path) {
  std::vector<std::vector<int32_t>> out;
  std::istringstream in(slurp(path));
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::vector<int32_t> ids;
    for (int32_t id; ls >> id;) ids.push_back(id);
    out.push_back(ids);
  }
  return out;
}

class VocabVectors : public ::testing::TestWithParam<const char*> {};

TEST_P(VocabVectors, MatchesEveryVector) {
  const std::string path = test::shared_vocab(GetParam());
  if (path.empty()) GTEST_SKIP() << "../shared/data/vocab is absent: llama.cpp vocab vectors skipped";
  const auto inputs = read_inputs(path + ".inp");
  const auto outputs = read_outputs(path + ".out");
  ASSERT_GE(outputs.size(), inputs.size());
  ASSERT_GT(inputs.size(), 40u);
  auto t = test::load_tokenizer(path);
  const EncodeOptions opt{.add_special = false, .parse_special = false};
  size_t passed = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto ids = t.tok->encode(inputs[i], opt);
    EXPECT_EQ(ids, outputs[i]) << GetParam() << " vector " << i << ": '" << inputs[i] << "'";
    if (ids == outputs[i]) ++passed;
    // Byte-level pieces are lossless; SentencePiece adds the prefix space.
    const std::string pieces = test::concat_pieces(*t.tok, ids);
    const bool spm = t.tok->model() == "llama";
    EXPECT_EQ(pieces, spm && !inputs[i].empty() ? " " + inputs[i] : inputs[i]) << GetParam() << " vector " << i;
  }
  std::printf("[ %s ] %zu/%zu vectors pass\n", GetParam(), passed, inputs.size());
}

INSTANTIATE_TEST_SUITE_P(LlamaCpp, VocabVectors,
                         ::testing::Values("gpt-2", "deepseek-llm", "deepseek-coder", "llama-spm", "phi-3"));

std::vector<int32_t> cat(std::initializer_list<std::vector<int32_t>> parts) {
  std::vector<int32_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// \s follows Hugging Face's Rust library (Oniguruma: Unicode White_Space): U+0085 is a space, U+FEFF
// and U+180E are not. JavaScript's regex engine (the JS oracle) differs on U+0085 and U+FEFF.
TEST(TokenizerRealVocab, WhitespaceClassIsUnicodeWhiteSpace) {
  const std::string path = test::shared_vocab("gpt-2");
  if (path.empty()) GTEST_SKIP() << "../shared/data/vocab is absent";
  auto t = test::load_tokenizer(path);
  const EncodeOptions o{.add_special = false};
  const auto e = [&](const std::string& s) { return t.tok->encode(s, o); };
  // "a \x85b": U+0085 is whitespace, so " " and "\x85" are separate pre-tokens.
  EXPECT_EQ(e("a \xC2\x85" "b"), cat({e("a"), e(" "), e("\xC2\x85"), e("b")}));
  EXPECT_NE(e(" \xC2\x85"), cat({e(" "), e("\xC2\x85")}));  // the split matters
  // U+FEFF and U+180E are not whitespace: " \uFEFF" is one punctuation-like pre-token.
  EXPECT_EQ(e("x \xEF\xBB\xBFy"), cat({e("x"), e(" \xEF\xBB\xBF"), e("y")}));
  EXPECT_NE(e(" \xEF\xBB\xBF"), cat({e(" "), e("\xEF\xBB\xBF")}));
  EXPECT_EQ(e("x \xE1\xA0\x8Ey"), cat({e("x"), e(" \xE1\xA0\x8E"), e("y")}));
}

TEST(TokenizerRealVocab, IllFormedUtf8IsByteTokens) {
  const std::string path = test::shared_vocab("gpt-2");
  if (path.empty()) GTEST_SKIP() << "../shared/data/vocab is absent";
  auto t = test::load_tokenizer(path);
  const EncodeOptions o{.add_special = false};
  for (const std::string bad : {"\xFF", "\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE4\xBD", "\xF0\x9F\x98"}) {
    const std::string s = "abc" + bad + " def";
    const auto ids = t.tok->encode(s, o);
    EXPECT_EQ(test::concat_pieces(*t.tok, ids), s);  // lossless, byte for byte
    const auto head = t.tok->encode("abc", o), tail = t.tok->encode(" def", o);
    ASSERT_GE(ids.size(), head.size() + tail.size() + 1);
    EXPECT_TRUE(std::equal(head.begin(), head.end(), ids.begin()));
    EXPECT_TRUE(std::equal(tail.rbegin(), tail.rend(), ids.rbegin()));
    const std::string d = t.tok->decode(ids);
    EXPECT_EQ(d.substr(0, 3), "abc");
    EXPECT_NE(d.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD in place of the bad bytes
  }
  EXPECT_EQ(t.tok->decode(t.tok->encode("\xFF", o)), "\xEF\xBF\xBD");
}

bool bytes_are_plain(const Tokenizer& t, const std::string& s) {
  for (char c : s) {
    const int32_t id = t.vocab().byte_token[static_cast<uint8_t>(c)];
    if (id < 0 || t.token_to_piece(id) != std::string(1, c)) return false;
  }
  return true;
}

TEST(TokenizerRealVocab, RandomBytesNeverBreak) {
  std::mt19937 rng(7);
  for (const char* name : {"gpt-2", "deepseek-llm", "llama-spm", "phi-3"}) {
    const std::string path = test::shared_vocab(name);
    if (path.empty()) GTEST_SKIP() << "../shared/data/vocab is absent";
    auto t = test::load_tokenizer(path);
    const bool spm = t.tok->model() == "llama";
    for (int iter = 0; iter < 300; ++iter) {
      std::string s(1 + rng() % 64, '\0');
      for (char& c : s) c = static_cast<char>(rng() % 4 ? rng() % 256 : " \n\xE4\xBD"[rng() % 4]);
      const auto ids = t.tok->encode(s, {.add_special = true, .parse_special = true});
      for (int32_t id : ids) ASSERT_TRUE(id >= 0 && id < t.tok->n_vocab());
      if (s.find("\xE2\x96\x81") != std::string::npos) continue;  // U+2581 decodes to a space
      // DeepSeek LLM's bytes that never occur in UTF-8 (F5..FF) are user-defined tokens whose piece is
      // their character: lossless only where every byte token is a plain byte token.
      if (!bytes_are_plain(*t.tok, s)) continue;
      const auto plain = t.tok->encode(s, {.add_special = false});
      EXPECT_EQ(test::concat_pieces(*t.tok, plain), spm ? " " + s : s) << name;
    }
  }
}

}  // namespace
}  // namespace frugal
