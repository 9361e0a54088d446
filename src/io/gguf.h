// GGUF (v2, v3) reader: memory-mapped, every field validated against the file size.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/mapped_file.h"
#include "io/tensor_types.h"

namespace frugal {

enum class GgufValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};
const char* gguf_value_type_name(GgufValueType t);

// One metadata value. Strings and array payloads point into the mapped file.
struct GgufValue {
  GgufValueType type = GgufValueType::U8;
  uint64_t u = 0;        // unsigned ints and bool
  int64_t i = 0;         // signed ints
  double f = 0;          // floats
  std::string_view str;  // STRING
  // ARRAY: element type, count, raw payload (numeric) or views (strings).
  GgufValueType elem = GgufValueType::U8;
  uint64_t count = 0;
  const uint8_t* raw = nullptr;
  std::vector<std::string_view> strings;

  bool is_integer() const;
  bool is_float() const { return type == GgufValueType::F32 || type == GgufValueType::F64; }
  std::string to_display(size_t max_items = 8) const;  // human-readable, truncated
};

struct GgufTensorInfo {
  std::string name;
  GgmlType type = GgmlType::F32;
  int n_dims = 0;
  std::array<int64_t, 4> ne{1, 1, 1, 1};  // ne[0] is the contiguous dimension
  uint64_t offset = 0;                    // relative to the data section
  uint64_t nbytes = 0;
  const uint8_t* data = nullptr;          // into the mapping
  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  std::string shape_string() const;
};

struct GgufLimits {
  uint64_t max_string_bytes = 64ull << 20;  // a chat template or merges entry, never more
  uint64_t max_array_items = 1ull << 26;
  uint32_t max_dims = 4;
};

class GgufFile {
 public:
  // Opens and validates `path`; throws Error("<path>: <field>: <problem>") on any defect.
  static std::unique_ptr<GgufFile> open(const std::string& path, const GgufLimits& limits = {});

  const std::string& path() const { return file_.path(); }
  uint32_t version() const { return version_; }
  uint64_t file_size() const { return file_.size(); }
  uint64_t data_offset() const { return data_offset_; }
  uint32_t alignment() const { return alignment_; }

  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return kv_; }
  const GgufValue* find(std::string_view key) const;

  // Typed getters. The get_* forms return nullopt when the key is absent and throw when it
  // holds the wrong type; the require_* forms also throw when absent. Messages name the key.
  std::optional<uint64_t> get_uint(std::string_view key) const;
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::string_view> get_string(std::string_view key) const;
  uint64_t require_uint(std::string_view key) const;
  double require_float(std::string_view key) const;
  std::string_view require_string(std::string_view key) const;
  // Arrays (nullopt when absent).
  const std::vector<std::string_view>* get_string_array(std::string_view key) const;
  std::optional<std::vector<int64_t>> get_int_array(std::string_view key) const;
  std::optional<std::vector<float>> get_float_array(std::string_view key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;

 private:
  explicit GgufFile(const std::string& path) : file_(path) {}
  friend class GgufParser;

  MappedFile file_;
  uint32_t version_ = 0;
  uint32_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::unordered_map<std::string, size_t> kv_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::unordered_map<std::string, size_t> tensor_index_;
};

}  // namespace frugal
