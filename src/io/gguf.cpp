// GGUF reader: parses the header, metadata and tensor table with bounds checks at every read.
#include "io/gguf.h"

#include <cstring>

#include "base/checked.h"
#include "base/error.h"

namespace frugal {

namespace {
constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian

uint64_t scalar_size(GgufValueType t) {
  switch (t) {
    case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::BOOL: return 1;
    case GgufValueType::U16: case GgufValueType::I16: return 2;
    case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::F32: return 4;
    case GgufValueType::U64: case GgufValueType::I64: case GgufValueType::F64: return 8;
    default: return 0;
  }
}

bool valid_value_type(uint32_t t) { return t <= uint32_t(GgufValueType::F64); }
}  // namespace

const char* gguf_value_type_name(GgufValueType t) {
  static constexpr const char* names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32",
                                          "bool", "string", "array", "u64", "i64", "f64"};
  const auto i = uint32_t(t);
  return i < 13 ? names[i] : "invalid";
}

// Sequential reader over the mapping; every read is checked against the end of the file.
class GgufParser {
 public:
  GgufParser(GgufFile& f, const GgufLimits& lim) : f_(f), lim_(lim), p_(f.file_.data()), size_(f.file_.size()) {}

  void parse() {
    FRUGAL_CHECK(size_ >= 24, "{}: file is {} bytes, too small for a GGUF header (24 bytes)", path(), size_);
    const uint32_t magic = u32("magic");
    FRUGAL_CHECK(magic == kMagic, "{}: not a GGUF file (magic 0x{:08x}, expected 0x{:08x})", path(), magic, kMagic);
    f_.version_ = u32("version");
    FRUGAL_CHECK(f_.version_ == 2 || f_.version_ == 3, "{}: version: unsupported GGUF version {} (supported: 2, 3)",
                 path(), f_.version_);
    const uint64_t n_tensors = u64("tensor_count");
    const uint64_t n_kv = u64("metadata_kv_count");
    // Each KV needs >= 8+1+4+1 bytes, each tensor info >= 8+1+4+8+4+8 bytes: bound counts by the file.
    FRUGAL_CHECK(n_kv <= (size_ - pos_) / 13, "{}: metadata_kv_count: {} entries cannot fit in a {}-byte file", path(),
                 n_kv, size_);
    FRUGAL_CHECK(n_tensors <= (size_ - pos_) / 33, "{}: tensor_count: {} tensors cannot fit in a {}-byte file", path(),
                 n_tensors, size_);
    f_.kv_.reserve(n_kv);
    for (uint64_t k = 0; k < n_kv; ++k) parse_kv(k);
    if (const GgufValue* a = f_.find("general.alignment")) {
      FRUGAL_CHECK(a->type == GgufValueType::U32, "{}: general.alignment: expected u32, found {}", path(),
                   gguf_value_type_name(a->type));
      FRUGAL_CHECK(a->u > 0 && a->u <= (1u << 20) && (a->u & (a->u - 1)) == 0,
                   "{}: general.alignment: {} is not a power of two in [1, 2^20]", path(), a->u);
      f_.alignment_ = uint32_t(a->u);
    }
    f_.tensors_.reserve(n_tensors);
    for (uint64_t t = 0; t < n_tensors; ++t) parse_tensor_info(t);
    auto data = checked_align_up(pos_, f_.alignment_);
    FRUGAL_CHECK((data && *data <= size_) || n_tensors == 0, "{}: data section starts past the end of the file", path());
    f_.data_offset_ = data ? *data : size_;
    for (auto& t : f_.tensors_) place_tensor(t);
  }

 private:
  const std::string& path() const { return f_.path(); }

  void need(uint64_t n, const char* what) {
    FRUGAL_CHECK(n <= size_ - pos_, "{}: {}: needs {} bytes at offset {}, but the file ends at {} (truncated?)", path(),
                 what, n, pos_, size_);
  }
  template <typename T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  uint32_t u32(const char* what) { return read<uint32_t>(what); }
  uint64_t u64(const char* what) { return read<uint64_t>(what); }

  std::string_view str(const std::string& what) {
    const uint64_t n = u64(what.c_str());
    FRUGAL_CHECK(n <= lim_.max_string_bytes, "{}: {}: string length {} exceeds the limit of {} bytes", path(), what, n,
                 lim_.max_string_bytes);
    need(n, what.c_str());
    std::string_view s(reinterpret_cast<const char*>(p_ + pos_), n);
    pos_ += n;
    return s;
  }

  void parse_kv(uint64_t k) {
    const std::string key(str(fmt::format("metadata key #{}", k)));
    FRUGAL_CHECK(!key.empty(), "{}: metadata key #{} is empty", path(), k);
    FRUGAL_CHECK(!f_.kv_index_.count(key), "{}: metadata key '{}' appears twice", path(), key);
    const uint32_t t = u32(key.c_str());
    FRUGAL_CHECK(valid_value_type(t), "{}: {}: invalid value type {}", path(), key, t);
    GgufValue v = value(GgufValueType(t), key, 0);
    f_.kv_index_.emplace(key, f_.kv_.size());
    f_.kv_.emplace_back(key, std::move(v));
  }

  GgufValue value(GgufValueType t, const std::string& key, int depth) {
    GgufValue v;
    v.type = t;
    const char* w = key.c_str();
    switch (t) {
      case GgufValueType::U8: v.u = read<uint8_t>(w); break;
      case GgufValueType::I8: v.i = read<int8_t>(w); break;
      case GgufValueType::U16: v.u = read<uint16_t>(w); break;
      case GgufValueType::I16: v.i = read<int16_t>(w); break;
      case GgufValueType::U32: v.u = read<uint32_t>(w); break;
      case GgufValueType::I32: v.i = read<int32_t>(w); break;
      case GgufValueType::U64: v.u = read<uint64_t>(w); break;
      case GgufValueType::I64: v.i = read<int64_t>(w); break;
      case GgufValueType::F32: v.f = read<float>(w); break;
      case GgufValueType::F64: v.f = read<double>(w); break;
      case GgufValueType::BOOL: {
        const uint8_t b = read<uint8_t>(w);
        FRUGAL_CHECK(b <= 1, "{}: {}: bool value {} is neither 0 nor 1", path(), key, b);
        v.u = b;
        break;
      }
      case GgufValueType::STRING: v.str = str(key); break;
      case GgufValueType::ARRAY: array(v, key, depth); break;
    }
    return v;
  }

  void array(GgufValue& v, const std::string& key, int depth) {
    FRUGAL_CHECK(depth < 4, "{}: {}: arrays nested more than 4 deep", path(), key);
    const uint32_t et = u32(key.c_str());
    FRUGAL_CHECK(valid_value_type(et), "{}: {}: invalid array element type {}", path(), key, et);
    v.elem = GgufValueType(et);
    v.count = u64(key.c_str());
    FRUGAL_CHECK(v.count <= lim_.max_array_items, "{}: {}: array of {} items exceeds the limit of {}", path(), key,
                 v.count, lim_.max_array_items);
    v.raw = p_ + pos_;
    if (const uint64_t es = scalar_size(v.elem)) {
      auto n = checked_mul(es, v.count);
      FRUGAL_CHECK(n.has_value(), "{}: {}: array size overflows", path(), key);
      need(*n, key.c_str());
      pos_ += *n;
    } else if (v.elem == GgufValueType::STRING) {
      // every string needs at least its 8-byte length: bound the reservation by the file
      FRUGAL_CHECK(v.count <= (size_ - pos_) / 8, "{}: {}: {} strings cannot fit in the rest of the file", path(), key,
                   v.count);
      v.strings.reserve(v.count);
      for (uint64_t i = 0; i < v.count; ++i) v.strings.push_back(str(key));
    } else {  // nested arrays: validated and skipped
      FRUGAL_CHECK(v.count <= (size_ - pos_) / 12, "{}: {}: {} nested arrays cannot fit in the file", path(), key,
                   v.count);
      for (uint64_t i = 0; i < v.count; ++i) value(GgufValueType::ARRAY, key, depth + 1);
    }
  }

  void parse_tensor_info(uint64_t idx) {
    GgufTensorInfo t;
    t.name = std::string(str(fmt::format("tensor #{} name", idx)));
    FRUGAL_CHECK(!f_.tensor_index_.count(t.name), "{}: tensor '{}' appears twice", path(), t.name);
    const uint32_t nd = u32(t.name.c_str());
    FRUGAL_CHECK(nd >= 1 && nd <= lim_.max_dims, "{}: tensor '{}': {} dimensions (must be 1..{})", path(), t.name, nd,
                 lim_.max_dims);
    t.n_dims = int(nd);
    uint64_t n_elem = 1;
    for (uint32_t d = 0; d < nd; ++d) {
      const uint64_t ne = u64(t.name.c_str());
      FRUGAL_CHECK(ne <= uint64_t(INT64_MAX), "{}: tensor '{}': dimension {} is {}, out of range", path(), t.name, d,
                   ne);
      auto prod = checked_mul(n_elem, ne);
      FRUGAL_CHECK(prod && *prod <= uint64_t(INT64_MAX), "{}: tensor '{}': element count overflows (dimension {} = {})",
                   path(), t.name, d, ne);
      n_elem = *prod;
      t.ne[d] = int64_t(ne);
    }
    const uint32_t raw_type = u32(t.name.c_str());
    auto info = ggml_type_info(raw_type);
    FRUGAL_CHECK(info.has_value(), "{}: unsupported tensor type {} in tensor '{}'", path(), raw_type, t.name);
    t.type = info->type;
    FRUGAL_CHECK(t.ne[0] % info->block_elems == 0,
                 "{}: tensor '{}': first dimension {} is not a multiple of the {} block size {}", path(), t.name, t.ne[0],
                 info->name, info->block_elems);
    auto bytes = checked_mul(n_elem / info->block_elems, info->block_bytes);
    FRUGAL_CHECK(bytes.has_value(), "{}: tensor '{}': byte size overflows", path(), t.name);
    t.nbytes = *bytes;
    t.offset = u64(t.name.c_str());
    f_.tensor_index_.emplace(t.name, f_.tensors_.size());
    f_.tensors_.push_back(std::move(t));
  }

  void place_tensor(GgufTensorInfo& t) {
    FRUGAL_CHECK(t.offset % f_.alignment_ == 0, "{}: tensor '{}': offset {} is not a multiple of the alignment {}",
                 path(), t.name, t.offset, f_.alignment_);
    auto begin = checked_add(f_.data_offset_, t.offset);
    auto end = begin ? checked_add(*begin, t.nbytes) : std::nullopt;
    FRUGAL_CHECK(end && *end <= size_, "{}: tensor '{}': data [offset {} + {} bytes] runs past the end of the file ({} bytes)",
                 path(), t.name, t.offset, t.nbytes, size_);
    t.data = p_ + *begin;
  }

  GgufFile& f_;
  const GgufLimits& lim_;
  const uint8_t* p_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

std::unique_ptr<GgufFile> GgufFile::open(const std::string& path, const GgufLimits& limits) {
  std::unique_ptr<GgufFile> f(new GgufFile(path));
  GgufParser(*f, limits).parse();
  return f;
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = kv_index_.find(std::string(key));
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(std::string(name));
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace frugal
