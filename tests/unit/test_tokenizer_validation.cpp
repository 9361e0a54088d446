// Invalid tokenizer metadata is rejected with a frugal::Error that names the offending key.
#include <gtest/gtest.h>

#include "base/error.h"
#include "test_tokenizer_util.h"

namespace frugal {
namespace {

using namespace std::string_literals;

// Loads a tiny BPE vocab after `edit` changes it; returns the error message ("" if it loaded).
std::string load_error(const std::string& name, const std::function<void(GgufWriter&)>& edit, bool base = true) {
  const std::string path = test::write_gguf("bad-" + name, [&](GgufWriter& w) {
    if (base) test::fill_tiny_bpe(w);
    edit(w);
  });
  try {
    test::load_tokenizer(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_ERROR_NAMES(msg, key)                                 \
  do {                                                               \
    const std::string m_ = (msg);                                    \
    EXPECT_NE(m_, "") << "expected an error naming " << (key);       \
    EXPECT_NE(m_.find(key), std::string::npos) << "message: " << m_; \
  } while (0)

TEST(TokenizerValidation, MissingOrUnsupportedModel) {
  EXPECT_ERROR_NAMES(load_error("nomodel", [](GgufWriter& w) { w.set_string("general.name", "x"); }, false),
                     "tokenizer.ggml.model");
  EXPECT_ERROR_NAMES(load_error("bert", [](GgufWriter& w) { w.set_string("tokenizer.ggml.model", "bert"); }),
                     "tokenizer.ggml.model");
  EXPECT_ERROR_NAMES(load_error("modeltype", [](GgufWriter& w) { w.set_u32("tokenizer.ggml.model", 3); }),
                     "tokenizer.ggml.model");
}

TEST(TokenizerValidation, MissingOrBadTokens) {
  EXPECT_ERROR_NAMES(load_error("notokens", [](GgufWriter& w) { w.set_string("tokenizer.ggml.model", "gpt2"); }, false),
                     "tokenizer.ggml.tokens");
  EXPECT_ERROR_NAMES(load_error("emptytokens", [](GgufWriter& w) {
                       w.set_string_array("tokenizer.ggml.tokens", {});
                     }),
                     "tokenizer.ggml.tokens");
  EXPECT_ERROR_NAMES(load_error("inttokens", [](GgufWriter& w) { w.set_i32_array("tokenizer.ggml.tokens", {1, 2}); }),
                     "tokenizer.ggml.tokens");
}

TEST(TokenizerValidation, TokenTypes) {
  EXPECT_ERROR_NAMES(load_error("shorttypes", [](GgufWriter& w) {
                       w.set_i32_array("tokenizer.ggml.token_type", std::vector<int32_t>(10, 1));
                     }),
                     "tokenizer.ggml.token_type");
  EXPECT_ERROR_NAMES(load_error("badtype", [](GgufWriter& w) {
                       std::vector<int32_t> t(256 + 14, 1);
                       t[5] = 9;
                       w.set_i32_array("tokenizer.ggml.token_type", t);
                     }),
                     "tokenizer.ggml.token_type");
  EXPECT_ERROR_NAMES(load_error("negtype", [](GgufWriter& w) {
                       std::vector<int32_t> t(256 + 14, 1);
                       t[0] = -1;
                       w.set_i32_array("tokenizer.ggml.token_type", t);
                     }),
                     "tokenizer.ggml.token_type");
}

TEST(TokenizerValidation, Scores) {
  EXPECT_ERROR_NAMES(load_error("shortscores", [](GgufWriter& w) {
                       w.set_f32_array("tokenizer.ggml.scores", {0.0f, 1.0f});
                     }),
                     "tokenizer.ggml.scores");
}

TEST(TokenizerValidation, SpecialIdsOutOfRange) {
  for (const char* key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id",
                          "tokenizer.ggml.padding_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    EXPECT_ERROR_NAMES(load_error(std::string("range-") + key, [&](GgufWriter& w) { w.set_u32(key, 270); }), key);
    EXPECT_ERROR_NAMES(load_error(std::string("huge-") + key, [&](GgufWriter& w) { w.set_u64(key, 1ull << 40); }), key);
    EXPECT_ERROR_NAMES(load_error(std::string("neg-") + key, [&](GgufWriter& w) { w.set_i32(key, -1); }), key);
    EXPECT_EQ(load_error(std::string("ok-") + key, [&](GgufWriter& w) { w.set_u32(key, 269); }), "");
  }
  EXPECT_ERROR_NAMES(load_error("addbos", [](GgufWriter& w) { w.set_bool("tokenizer.ggml.add_bos_token", true); }),
                     "tokenizer.ggml.add_bos_token");
  EXPECT_ERROR_NAMES(load_error("addbostype", [](GgufWriter& w) { w.set_u32("tokenizer.ggml.add_bos_token", 1); }),
                     "tokenizer.ggml.add_bos_token");
}

TEST(TokenizerValidation, Merges) {
  EXPECT_ERROR_NAMES(load_error("nomerges", [](GgufWriter& w) {
                       w.set_string("tokenizer.ggml.model", "gpt2");
                       w.set_string_array("tokenizer.ggml.tokens", test::byte_level_tokens());
                     }, false),
                     "tokenizer.ggml.merges");
  EXPECT_ERROR_NAMES(load_error("badmerge", [](GgufWriter& w) {
                       w.set_string_array("tokenizer.ggml.merges", {"a b", "nospace"});
                     }),
                     "tokenizer.ggml.merges");
  EXPECT_ERROR_NAMES(load_error("emptymerge", [](GgufWriter& w) {
                       w.set_string_array("tokenizer.ggml.merges", {""});
                     }),
                     "tokenizer.ggml.merges");
  // Merges naming unknown tokens can never apply: skipped, as llama.cpp does.
  EXPECT_EQ(load_error("unknownmerge", [](GgufWriter& w) {
              w.set_string_array("tokenizer.ggml.merges", {"zz yy", "a b"});
            }),
            "");
}

TEST(TokenizerValidation, PreTokenizerAndByteTokens) {
  EXPECT_ERROR_NAMES(load_error("badpre", [](GgufWriter& w) { w.set_string("tokenizer.ggml.pre", "klingon"); }),
                     "tokenizer.ggml.pre");
  EXPECT_ERROR_NAMES(load_error("badbyte", [](GgufWriter& w) {
                       w.set_string("tokenizer.ggml.model", "llama");
                       w.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<0xZZ>"});
                       w.set_i32_array("tokenizer.ggml.token_type", {2, 6});
                       w.set_f32_array("tokenizer.ggml.scores", {0, 0});
                     }, false),
                     "tokenizer.ggml.tokens");
}

TEST(TokenizerValidation, OddButValidVocabLoads) {
  // Duplicate and empty token strings, no token types, no merges that apply: loads, encodes bytes.
  const std::string path = test::write_gguf("odd", [](GgufWriter& w) {
    auto tokens = test::byte_level_tokens();
    tokens.push_back("a");
    tokens.push_back("");
    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string_array("tokenizer.ggml.tokens", tokens);
    w.set_string_array("tokenizer.ggml.merges", {"a a"});
  });
  auto t = test::load_tokenizer(path);
  EXPECT_EQ(t.tok->encode("aa"), (std::vector<int32_t>{'a', 'a'}));  // byte tokens are in byte order
  EXPECT_EQ(t.tok->decode(t.tok->encode("\xFF\x00 x"s)), "\xEF\xBF\xBD"s + '\0' + " x");
}

}  // namespace
}  // namespace frugal
