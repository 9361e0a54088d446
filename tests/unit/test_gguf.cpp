// GGUF reader: round trips through the writer, and every class of broken file gets a clear error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "io/gguf.h"
#include "io/gguf_writer.h"
#include "test_util.h"

namespace frugal {
namespace {

using ::testing::HasSubstr;

std::vector<uint8_t> f32_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

GgufWriter small_model() {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.block_count", 2);
  w.set_f32("llama.rope.freq_base", 10000.0f);
  w.set_bool("flag", true);
  w.set_string_array("tokenizer.ggml.tokens", {"a", "b", "c"});
  w.set_i32_array("tokenizer.ggml.token_type", {1, 1, 3});
  w.add_tensor("w", GgmlType::F32, {4, 2}, f32_bytes({1, 2, 3, 4, 5, 6, 7, 8}));
  w.add_tensor("n", GgmlType::F32, {3}, f32_bytes({9, 10, 11}));
  return w;
}

std::string open_error(const std::vector<uint8_t>& bytes, const std::string& name) {
  const std::string path = test_tmp_path(name);
  write_file(path, bytes);
  try {
    GgufFile::open(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Gguf, RoundTrip) {
  const std::string path = test_tmp_path("roundtrip.gguf");
  small_model().write(path);
  auto f = GgufFile::open(path);
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->require_string("general.architecture"), "llama");
  EXPECT_EQ(f->require_uint("llama.block_count"), 2u);
  EXPECT_FLOAT_EQ(float(f->require_float("llama.rope.freq_base")), 10000.0f);
  EXPECT_EQ(f->get_bool("flag"), true);
  ASSERT_NE(f->get_string_array("tokenizer.ggml.tokens"), nullptr);
  EXPECT_EQ(f->get_string_array("tokenizer.ggml.tokens")->at(2), "c");
  EXPECT_EQ(f->get_int_array("tokenizer.ggml.token_type")->at(2), 3);
  ASSERT_EQ(f->tensors().size(), 2u);
  const GgufTensorInfo* w = f->find_tensor("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->ne[0], 4);
  EXPECT_EQ(w->ne[1], 2);
  float v[8];
  std::memcpy(v, w->data, 32);
  EXPECT_EQ(v[7], 8.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w->data) % 32, 0u);
}

TEST(Gguf, TypedGettersNameTheKey) {
  const std::string path = test_tmp_path("typed.gguf");
  small_model().write(path);
  auto f = GgufFile::open(path);
  try {
    f->get_uint("general.architecture");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("general.architecture"));
    EXPECT_THAT(e.what(), HasSubstr("string"));
  }
  try {
    f->require_uint("llama.missing");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("llama.missing"));
  }
  EXPECT_FALSE(f->get_uint("nope").has_value());
}

TEST(Gguf, BadMagicAndVersion) {
  auto b = small_model().to_bytes();
  auto bad = b;
  bad[0] = 'X';
  EXPECT_THAT(open_error(bad, "magic.gguf"), HasSubstr("not a GGUF file"));
  bad = b;
  bad[4] = 7;
  EXPECT_THAT(open_error(bad, "version.gguf"), HasSubstr("unsupported GGUF version 7"));
  EXPECT_THAT(open_error({'G', 'G', 'U', 'F'}, "tiny.gguf"), HasSubstr("too small"));
}

TEST(Gguf, TruncatedAtEveryLength) {
  const auto b = small_model().to_bytes();
  const std::string full = test_tmp_path("full.gguf");
  write_file(full, b);
  uint64_t data_end = 0;  // end of the last tensor's bytes: only trailing padding may be cut
  {
    auto f = GgufFile::open(full);
    for (const auto& t : f->tensors()) data_end = std::max(data_end, f->data_offset() + t.offset + t.nbytes);
  }
  ASSERT_GT(data_end, 0u);
  // Every shorter prefix must fail cleanly (never crash, never read past the end).
  for (size_t n = 0; n < data_end; n += (n < 400 ? 1 : 7)) {
    std::vector<uint8_t> cut(b.begin(), b.begin() + std::ptrdiff_t(n));
    const std::string err = open_error(cut, "trunc.gguf");
    EXPECT_FALSE(err.empty()) << "prefix of " << n << " bytes was accepted";
  }
}

TEST(Gguf, AbsurdCounts) {
  auto b = small_model().to_bytes();
  auto bad = b;
  const uint64_t huge = uint64_t(1) << 60;
  std::memcpy(bad.data() + 8, &huge, 8);  // tensor_count
  EXPECT_THAT(open_error(bad, "ntensors.gguf"), HasSubstr("tensor_count"));
  bad = b;
  std::memcpy(bad.data() + 16, &huge, 8);  // metadata_kv_count
  EXPECT_THAT(open_error(bad, "nkv.gguf"), HasSubstr("metadata_kv_count"));
}

// Finds the byte offset of the first occurrence of `needle` in `hay`.
size_t find_bytes(const std::vector<uint8_t>& hay, const std::string& needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
  return size_t(it - hay.begin());
}

TEST(Gguf, HugeStringLength) {
  auto b = small_model().to_bytes();
  const size_t at = find_bytes(b, "general.architecture") + 20 + 4;  // after key and type: the value's length
  const uint64_t huge = uint64_t(1) << 40;
  std::memcpy(b.data() + at, &huge, 8);
  EXPECT_THAT(open_error(b, "hugestr.gguf"), HasSubstr("general.architecture"));
}

TEST(Gguf, HugeArrayCount) {
  auto b = small_model().to_bytes();
  const size_t at = find_bytes(b, "tokenizer.ggml.tokens") + 21 + 4 + 4;  // key, type, elem type
  const uint64_t huge = uint64_t(1) << 50;
  std::memcpy(b.data() + at, &huge, 8);
  EXPECT_THAT(open_error(b, "hugearr.gguf"), HasSubstr("tokenizer.ggml.tokens"));
}

TEST(Gguf, OverflowingDimensions) {
  auto b = small_model().to_bytes();
  // tensor info "w": name, n_dims=2, ne0, ne1, type, offset
  const size_t at = find_bytes(b, std::string("\x01\x00\x00\x00\x00\x00\x00\x00w", 9)) + 9;
  const uint64_t big = uint64_t(1) << 40;
  std::memcpy(b.data() + at + 4, &big, 8);
  std::memcpy(b.data() + at + 12, &big, 8);
  EXPECT_THAT(open_error(b, "overflow.gguf"), HasSubstr("tensor 'w'"));
}

TEST(Gguf, OffsetPastEnd) {
  auto b = small_model().to_bytes();
  const size_t at = find_bytes(b, std::string("\x01\x00\x00\x00\x00\x00\x00\x00w", 9)) + 9;
  const uint64_t off = uint64_t(1) << 20;
  std::memcpy(b.data() + at + 4 + 16 + 4, &off, 8);
  EXPECT_THAT(open_error(b, "offset.gguf"), HasSubstr("past the end"));
  const uint64_t misaligned = 4;
  std::memcpy(b.data() + at + 4 + 16 + 4, &misaligned, 8);
  EXPECT_THAT(open_error(b, "misaligned.gguf"), HasSubstr("alignment"));
}

TEST(Gguf, UnknownTensorType) {
  auto b = small_model().to_bytes();
  const size_t at = find_bytes(b, std::string("\x01\x00\x00\x00\x00\x00\x00\x00w", 9)) + 9;
  const uint32_t type = 77;
  std::memcpy(b.data() + at + 4 + 16, &type, 4);
  const std::string err = open_error(b, "type.gguf");
  EXPECT_THAT(err, HasSubstr("unsupported tensor type 77"));
  EXPECT_THAT(err, HasSubstr("'w'"));
}

// Types frugal has no kernels for still open, with their names (frugal info lists them; binding
// a model names the type it lacks).
TEST(Gguf, KnownTypesWithoutKernelsOpen) {
  GgufWriter w = small_model();
  w.add_tensor("iq", GgmlType::IQ2_XXS, {256, 2}, std::vector<uint8_t>(2 * 66, 0));
  const std::string path = test_tmp_path("iq2.gguf");
  w.write(path);
  auto f = GgufFile::open(path);
  const GgufTensorInfo* t = f->find_tensor("iq");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, GgmlType::IQ2_XXS);
  EXPECT_EQ(ggml_type_name(uint32_t(t->type)), "IQ2_XXS");
  EXPECT_FALSE(ggml_type_info(GgmlType::IQ2_XXS).computable);
}

TEST(Gguf, TooManyDims) {
  auto b = small_model().to_bytes();
  const size_t at = find_bytes(b, std::string("\x01\x00\x00\x00\x00\x00\x00\x00w", 9)) + 9;
  const uint32_t nd = 9;
  std::memcpy(b.data() + at, &nd, 4);
  EXPECT_THAT(open_error(b, "dims.gguf"), HasSubstr("9 dimensions"));
}

TEST(Gguf, InvalidValueTypeAndBool) {
  auto b = small_model().to_bytes();
  size_t at = find_bytes(b, "llama.block_count") + 17;
  const uint32_t t = 99;
  auto bad = b;
  std::memcpy(bad.data() + at, &t, 4);
  EXPECT_THAT(open_error(bad, "vtype.gguf"), HasSubstr("invalid value type 99"));
  bad = b;
  at = find_bytes(b, "flag") + 4 + 4;
  bad[at] = 5;
  EXPECT_THAT(open_error(bad, "bool.gguf"), HasSubstr("flag"));
}

TEST(Gguf, DuplicateKey) {
  // Hand-built header: two KVs with the same key "k".
  std::vector<uint8_t> b;
  auto put = [&](const void* p, size_t n) { b.insert(b.end(), (const uint8_t*)p, (const uint8_t*)p + n); };
  const uint32_t magic = 0x46554747, version = 3, u32_type = 4, value = 1;
  const uint64_t n_tensors = 0, n_kv = 2, key_len = 1;
  put(&magic, 4), put(&version, 4), put(&n_tensors, 8), put(&n_kv, 8);
  for (int i = 0; i < 2; ++i) put(&key_len, 8), put("k", 1), put(&u32_type, 4), put(&value, 4);
  EXPECT_THAT(open_error(b, "dup.gguf"), HasSubstr("appears twice"));
}

TEST(Gguf, MissingFile) {
  try {
    GgufFile::open("/nonexistent/frugal.gguf");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/frugal.gguf"));
  }
}

}  // namespace
}  // namespace frugal
