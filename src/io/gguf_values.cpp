// Typed access to GGUF metadata values, with errors that name the key and the found type.
#include <cmath>
#include <cstring>

#include "base/error.h"
#include "io/gguf.h"

namespace frugal {

namespace {
template <typename T>
T load(const uint8_t* p, uint64_t i) {
  T v;
  std::memcpy(&v, p + i * sizeof(T), sizeof(T));
  return v;
}

bool is_int_type(GgufValueType t) {
  switch (t) {
    case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::U16: case GgufValueType::I16:
    case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::U64: case GgufValueType::I64: return true;
    default: return false;
  }
}
bool is_signed(GgufValueType t) {
  return t == GgufValueType::I8 || t == GgufValueType::I16 || t == GgufValueType::I32 || t == GgufValueType::I64;
}

int64_t array_int(const GgufValue& v, uint64_t i) {
  switch (v.elem) {
    case GgufValueType::U8: return load<uint8_t>(v.raw, i);
    case GgufValueType::I8: return load<int8_t>(v.raw, i);
    case GgufValueType::U16: return load<uint16_t>(v.raw, i);
    case GgufValueType::I16: return load<int16_t>(v.raw, i);
    case GgufValueType::U32: return load<uint32_t>(v.raw, i);
    case GgufValueType::I32: return load<int32_t>(v.raw, i);
    case GgufValueType::U64: return int64_t(load<uint64_t>(v.raw, i));
    case GgufValueType::I64: return load<int64_t>(v.raw, i);
    default: return 0;
  }
}
}  // namespace

bool GgufValue::is_integer() const { return is_int_type(type); }

std::string GgufValue::to_display(size_t max_items) const {
  switch (type) {
    case GgufValueType::BOOL: return u ? "true" : "false";
    case GgufValueType::F32: case GgufValueType::F64: return fmt::format("{}", f);
    case GgufValueType::STRING: {
      std::string s(str.substr(0, 120));
      for (auto& c : s)
        if (c == '\n') c = ' ';
      return fmt::format("\"{}\"{}", s, str.size() > 120 ? fmt::format("... ({} bytes)", str.size()) : "");
    }
    case GgufValueType::ARRAY: {
      std::string out = fmt::format("[{} x {}]", count, gguf_value_type_name(elem));
      const uint64_t n = std::min<uint64_t>(count, max_items);
      if (n == 0 || elem == GgufValueType::ARRAY) return out;
      out += " ";
      for (uint64_t k = 0; k < n; ++k) {
        if (k) out += ", ";
        if (elem == GgufValueType::STRING) out += fmt::format("\"{}\"", strings[k].substr(0, 40));
        else if (elem == GgufValueType::F32) out += fmt::format("{}", load<float>(raw, k));
        else if (elem == GgufValueType::F64) out += fmt::format("{}", load<double>(raw, k));
        else if (elem == GgufValueType::BOOL) out += raw[k] ? "true" : "false";
        else out += fmt::format("{}", array_int(*this, k));
      }
      if (count > n) out += ", ...";
      return out;
    }
    default: return is_signed(type) ? fmt::format("{}", i) : fmt::format("{}", u);
  }
}

std::optional<uint64_t> GgufFile::get_uint(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  FRUGAL_CHECK(is_int_type(v->type), "{}: {}: expected an unsigned integer, found {}", path(), key,
               gguf_value_type_name(v->type));
  if (is_signed(v->type)) {
    FRUGAL_CHECK(v->i >= 0, "{}: {}: expected a non-negative integer, found {}", path(), key, v->i);
    return uint64_t(v->i);
  }
  return v->u;
}

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  FRUGAL_CHECK(is_int_type(v->type), "{}: {}: expected an integer, found {}", path(), key,
               gguf_value_type_name(v->type));
  if (is_signed(v->type)) return v->i;
  FRUGAL_CHECK(v->u <= uint64_t(INT64_MAX), "{}: {}: value {} out of range", path(), key, v->u);
  return int64_t(v->u);
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->is_float()) {
    FRUGAL_CHECK(std::isfinite(v->f), "{}: {}: value is not finite", path(), key);
    return v->f;
  }
  if (is_int_type(v->type)) return is_signed(v->type) ? double(v->i) : double(v->u);
  fail("{}: {}: expected a number, found {}", path(), key, gguf_value_type_name(v->type));
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  FRUGAL_CHECK(v->type == GgufValueType::BOOL, "{}: {}: expected bool, found {}", path(), key,
               gguf_value_type_name(v->type));
  return v->u != 0;
}

std::optional<std::string_view> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  FRUGAL_CHECK(v->type == GgufValueType::STRING, "{}: {}: expected string, found {}", path(), key,
               gguf_value_type_name(v->type));
  return v->str;
}

uint64_t GgufFile::require_uint(std::string_view key) const {
  auto v = get_uint(key);
  FRUGAL_CHECK(v.has_value(), "{}: required metadata key '{}' is missing", path(), key);
  return *v;
}

double GgufFile::require_float(std::string_view key) const {
  auto v = get_float(key);
  FRUGAL_CHECK(v.has_value(), "{}: required metadata key '{}' is missing", path(), key);
  return *v;
}

std::string_view GgufFile::require_string(std::string_view key) const {
  auto v = get_string(key);
  FRUGAL_CHECK(v.has_value(), "{}: required metadata key '{}' is missing", path(), key);
  return *v;
}

const std::vector<std::string_view>* GgufFile::get_string_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return nullptr;
  FRUGAL_CHECK(v->type == GgufValueType::ARRAY && v->elem == GgufValueType::STRING,
               "{}: {}: expected an array of strings, found {}", path(), key, gguf_value_type_name(v->type));
  return &v->strings;
}

std::optional<std::vector<int64_t>> GgufFile::get_int_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  FRUGAL_CHECK(v->type == GgufValueType::ARRAY && is_int_type(v->elem),
               "{}: {}: expected an array of integers, found {}", path(), key,
               v->type == GgufValueType::ARRAY ? fmt::format("array of {}", gguf_value_type_name(v->elem))
                                               : gguf_value_type_name(v->type));
  std::vector<int64_t> out(v->count);
  for (uint64_t i = 0; i < v->count; ++i) out[i] = array_int(*v, i);
  return out;
}

std::optional<std::vector<float>> GgufFile::get_float_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  FRUGAL_CHECK(v->type == GgufValueType::ARRAY && (v->elem == GgufValueType::F32 || v->elem == GgufValueType::F64),
               "{}: {}: expected an array of floats", path(), key);
  std::vector<float> out(v->count);
  for (uint64_t i = 0; i < v->count; ++i)
    out[i] = v->elem == GgufValueType::F32 ? load<float>(v->raw, i) : float(load<double>(v->raw, i));
  return out;
}

std::string GgufTensorInfo::shape_string() const {
  std::string s = "[";
  for (int d = 0; d < n_dims; ++d) s += (d ? ", " : "") + std::to_string(ne[d]);
  return s + "]";
}

}  // namespace frugal
