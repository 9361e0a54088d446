// Mutation fuzzing of the model loading path: thousands of corrupted variants of a valid model
// file go through GgufFile::open, load_model and Tokenizer::from_gguf. Every outcome must be a
// clean load or a frugal::Error: no crash, no other exception (run under ASan to also catch
// out-of-bounds reads; see tests/README or the CI notes).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "base/error.h"
#include "io/gguf.h"
#include "models/model.h"
#include "tiny_models.h"
#include "tokenizer/tokenizer.h"

namespace frugal {
namespace {

GgufWriter model_with_vocab() {
  TinySpec s;
  s.arch = "qwen3moe";
  GgufWriter w = TinyModelWriter(s).build();
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (int i = 0; i < TinyModelWriter::V; ++i) {
    tokens.push_back(std::string(1, char('a' + i % 26)) + std::to_string(i));
    types.push_back(1);
  }
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "qwen2");
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  w.set_i32_array("tokenizer.ggml.token_type", types);
  w.set_string_array("tokenizer.ggml.merges", {"a 0", "b 1"});
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  return w;
}

// Opens and loads `bytes`; returns 0 when it loaded, 1 when it was rejected with frugal::Error.
int try_load(const std::vector<uint8_t>& bytes, const std::string& path) {
  write_file(path, bytes);
  try {
    auto f = GgufFile::open(path);
    auto model = load_model(*f);
    auto tok = Tokenizer::from_gguf(*f);
    tok->encode("hello world 123");
    return 0;
  } catch (const Error&) {
    return 1;
  }
}

TEST(FuzzGguf, CorruptedFilesFailCleanly) {
  const auto good = model_with_vocab().to_bytes();
  const std::string path = test_tmp_path("fuzz.gguf");
  ASSERT_EQ(try_load(good, path), 0) << "the unmodified file must load";
  std::mt19937_64 rng(20261122);
  int rejected = 0, runs = 0;
  const size_t header_end = std::min<size_t>(good.size(), 4096);  // metadata and tensor table live here
  for (int i = 0; i < 1500; ++i, ++runs) {
    auto b = good;
    switch (rng() % 4) {
      case 0:  // flip a few bytes in the header region
        for (int k = 0; k < 1 + int(rng() % 4); ++k) b[rng() % header_end] ^= uint8_t(1u << (rng() % 8));
        break;
      case 1:  // write an extreme 64-bit value somewhere in the header region
        {
          const uint64_t vals[] = {0, 1, 0xffffffffffffffffull, 0x8000000000000000ull, 0x7fffffffull, 1ull << 40};
          const size_t at = rng() % (header_end - 8);
          std::memcpy(b.data() + at, &vals[rng() % 6], 8);
        }
        break;
      case 2:  // truncate
        b.resize(rng() % b.size());
        break;
      default:  // random byte anywhere
        b[rng() % b.size()] = uint8_t(rng());
    }
    rejected += try_load(b, path);
  }
  // Most corruptions are caught; the rest are values a valid file could hold.
  EXPECT_GT(rejected, runs / 4);
  std::printf("%d of %d corrupted files rejected with a clear error, the rest loaded\n", rejected, runs);
}

}  // namespace
}  // namespace frugal
