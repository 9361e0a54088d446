// GGUF v3 writer.
#include "io/gguf_writer.h"

#include <cstring>
#include <fstream>

#include "base/error.h"

namespace frugal {

namespace {
// resize + memcpy rather than insert: g++ 12 reports false stringop-overflow on vector::insert.
void append_raw(std::vector<uint8_t>& out, const void* p, size_t n) {
  if (n == 0) return;
  const size_t at = out.size();
  out.resize(at + n);
  std::memcpy(out.data() + at, p, n);
}
template <typename T>
void append(std::vector<uint8_t>& out, const T& v) {
  append_raw(out, &v, sizeof(T));
}
void append_str(std::vector<uint8_t>& out, std::string_view s) {
  append<uint64_t>(out, s.size());
  append_raw(out, s.data(), s.size());
}
template <typename T>
std::vector<uint8_t> scalar(T v) {
  std::vector<uint8_t> out;
  append(out, v);
  return out;
}
template <typename T>
std::vector<uint8_t> array(GgufValueType et, const std::vector<T>& v) {
  std::vector<uint8_t> out;
  append<uint32_t>(out, uint32_t(et));
  append<uint64_t>(out, v.size());
  for (const T& x : v) append(out, x);
  return out;
}
}  // namespace

void GgufWriter::put(const std::string& key, GgufValueType t, std::vector<uint8_t> payload) {
  for (auto& kv : kv_)
    if (kv.key == key) {
      kv.type = t;
      kv.payload = std::move(payload);
      return;
    }
  kv_.push_back({key, t, std::move(payload)});
}

void GgufWriter::set_u32(const std::string& k, uint32_t v) { put(k, GgufValueType::U32, scalar(v)); }
void GgufWriter::set_i32(const std::string& k, int32_t v) { put(k, GgufValueType::I32, scalar(v)); }
void GgufWriter::set_u64(const std::string& k, uint64_t v) { put(k, GgufValueType::U64, scalar(v)); }
void GgufWriter::set_f32(const std::string& k, float v) { put(k, GgufValueType::F32, scalar(v)); }
void GgufWriter::set_bool(const std::string& k, bool v) { put(k, GgufValueType::BOOL, scalar<uint8_t>(v ? 1 : 0)); }
void GgufWriter::set_string(const std::string& k, const std::string& v) {
  std::vector<uint8_t> p;
  append_str(p, v);
  put(k, GgufValueType::STRING, std::move(p));
}
void GgufWriter::set_string_array(const std::string& k, const std::vector<std::string>& v) {
  std::vector<uint8_t> p;
  append<uint32_t>(p, uint32_t(GgufValueType::STRING));
  append<uint64_t>(p, v.size());
  for (const auto& s : v) append_str(p, s);
  put(k, GgufValueType::ARRAY, std::move(p));
}
void GgufWriter::set_i32_array(const std::string& k, const std::vector<int32_t>& v) {
  put(k, GgufValueType::ARRAY, array(GgufValueType::I32, v));
}
void GgufWriter::set_f32_array(const std::string& k, const std::vector<float>& v) {
  put(k, GgufValueType::ARRAY, array(GgufValueType::F32, v));
}

void GgufWriter::copy_value(const std::string& key, const GgufValue& v) {
  std::vector<uint8_t> p;
  switch (v.type) {
    case GgufValueType::U8: append<uint8_t>(p, uint8_t(v.u)); break;
    case GgufValueType::I8: append<int8_t>(p, int8_t(v.i)); break;
    case GgufValueType::U16: append<uint16_t>(p, uint16_t(v.u)); break;
    case GgufValueType::I16: append<int16_t>(p, int16_t(v.i)); break;
    case GgufValueType::U32: append<uint32_t>(p, uint32_t(v.u)); break;
    case GgufValueType::I32: append<int32_t>(p, int32_t(v.i)); break;
    case GgufValueType::U64: append<uint64_t>(p, v.u); break;
    case GgufValueType::I64: append<int64_t>(p, v.i); break;
    case GgufValueType::F32: append<float>(p, float(v.f)); break;
    case GgufValueType::F64: append<double>(p, v.f); break;
    case GgufValueType::BOOL: append<uint8_t>(p, uint8_t(v.u)); break;
    case GgufValueType::STRING: append_str(p, v.str); break;
    case GgufValueType::ARRAY: {
      FRUGAL_CHECK(v.elem != GgufValueType::ARRAY, "{}: copying nested arrays is not supported", key);
      append<uint32_t>(p, uint32_t(v.elem));
      append<uint64_t>(p, v.count);
      if (v.elem == GgufValueType::STRING) {
        for (auto s : v.strings) append_str(p, s);
      } else {
        const size_t es = v.elem == GgufValueType::BOOL || v.elem == GgufValueType::U8 || v.elem == GgufValueType::I8 ? 1
                          : v.elem == GgufValueType::U16 || v.elem == GgufValueType::I16                          ? 2
                          : v.elem == GgufValueType::U64 || v.elem == GgufValueType::I64 || v.elem == GgufValueType::F64
                              ? 8
                              : 4;
        append_raw(p, v.raw, es * v.count);
      }
      break;
    }
  }
  put(key, v.type, std::move(p));
}

void GgufWriter::add_tensor(const std::string& name, GgmlType type, const std::vector<int64_t>& ne,
                            std::vector<uint8_t> data) {
  FRUGAL_CHECK(!ne.empty() && ne.size() <= 4, "tensor '{}': {} dimensions", name, ne.size());
  uint64_t rows = 1;
  for (size_t d = 1; d < ne.size(); ++d) rows *= uint64_t(ne[d]);
  auto rb = ggml_row_bytes(type, uint64_t(ne[0]));
  FRUGAL_CHECK(rb && *rb * rows == data.size(), "tensor '{}': {} bytes of data do not match its shape and type {}",
               name, data.size(), ggml_type_info(type).name);
  tensors_.push_back({name, type, ne, std::move(data)});
}

std::vector<uint8_t> GgufWriter::to_bytes(uint32_t alignment) const {
  std::vector<uint8_t> out;
  append<uint32_t>(out, 0x46554747);
  append<uint32_t>(out, 3);
  append<uint64_t>(out, tensors_.size());
  const bool custom_align = alignment != 32;
  append<uint64_t>(out, kv_.size() + (custom_align ? 1 : 0));
  if (custom_align) {
    append_str(out, "general.alignment");
    append<uint32_t>(out, uint32_t(GgufValueType::U32));
    append<uint32_t>(out, alignment);
  }
  for (const auto& kv : kv_) {
    append_str(out, kv.key);
    append<uint32_t>(out, uint32_t(kv.type));
    append_raw(out, kv.payload.data(), kv.payload.size());
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    append_str(out, t.name);
    append<uint32_t>(out, uint32_t(t.ne.size()));
    for (int64_t n : t.ne) append<uint64_t>(out, uint64_t(n));
    append<uint32_t>(out, uint32_t(t.type));
    append<uint64_t>(out, offset);
    offset += (t.data.size() + alignment - 1) / alignment * alignment;
  }
  out.resize((out.size() + alignment - 1) / alignment * alignment, 0);
  for (const auto& t : tensors_) {
    append_raw(out, t.data.data(), t.data.size());
    out.resize((out.size() + alignment - 1) / alignment * alignment, 0);
  }
  return out;
}

void GgufWriter::write(const std::string& path, uint32_t alignment) const {
  const auto bytes = to_bytes(alignment);
  std::ofstream f(path, std::ios::binary);
  FRUGAL_CHECK(f.good(), "{}: cannot open for writing", path);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  FRUGAL_CHECK(f.good(), "{}: write failed", path);
}

}  // namespace frugal
