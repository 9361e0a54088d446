// GGUF v3 writer: metadata and tensors in memory, written in one pass.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "io/gguf.h"

namespace frugal {

class GgufWriter {
 public:
  void set_u32(const std::string& key, uint32_t v);
  void set_i32(const std::string& key, int32_t v);
  void set_u64(const std::string& key, uint64_t v);
  void set_f32(const std::string& key, float v);
  void set_bool(const std::string& key, bool v);
  void set_string(const std::string& key, const std::string& v);
  void set_string_array(const std::string& key, const std::vector<std::string>& v);
  void set_i32_array(const std::string& key, const std::vector<int32_t>& v);
  void set_f32_array(const std::string& key, const std::vector<float>& v);
  // Copies a metadata value from a file being read (for conversion tools).
  void copy_value(const std::string& key, const GgufValue& v);

  // ne[0] is the contiguous dimension; data must hold the exact byte size of the type.
  void add_tensor(const std::string& name, GgmlType type, const std::vector<int64_t>& ne, std::vector<uint8_t> data);

  void write(const std::string& path, uint32_t alignment = 32) const;
  std::vector<uint8_t> to_bytes(uint32_t alignment = 32) const;

 private:
  struct Kv {
    std::string key;
    GgufValueType type;
    std::vector<uint8_t> payload;  // encoded value (after the type field)
  };
  struct Tensor {
    std::string name;
    GgmlType type;
    std::vector<int64_t> ne;
    std::vector<uint8_t> data;
  };
  void put(const std::string& key, GgufValueType t, std::vector<uint8_t> payload);
  std::vector<Kv> kv_;
  std::vector<Tensor> tensors_;
};

}  // namespace frugal
