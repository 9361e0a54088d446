// Weight binding with shape and type checks.
#include "tensor/binder.h"

#include "base/error.h"
#include "base/fp16.h"

#include <cstring>

namespace frugal {

namespace {
std::string shape_str(std::initializer_list<int64_t> s) {
  std::string out = "[";
  bool first = true;
  for (int64_t v : s) {
    out += (first ? "" : ", ") + std::to_string(v);
    first = false;
  }
  return out + "]";
}

WeightMatrix make_matrix(const GgufTensorInfo& t) {
  WeightMatrix m;
  m.type = t.type;
  m.cols = t.ne[0];
  m.rows = t.ne[1];
  m.data = t.data;
  m.row_bytes = *ggml_row_bytes(t.type, uint64_t(t.ne[0]));  // validated by the reader
  return m;
}
}  // namespace

const GgufTensorInfo& WeightBinder::find(const std::string& name) {
  const GgufTensorInfo* t = file_.find_tensor(name);
  FRUGAL_CHECK(t != nullptr, "{}: missing tensor '{}'", file_.path(), name);
  used_.insert(name);
  return *t;
}

void WeightBinder::check_shape(const GgufTensorInfo& t, std::initializer_list<int64_t> expect) {
  bool ok = int(expect.size()) >= t.n_dims;
  int d = 0;
  for (int64_t e : expect) ok = ok && t.ne[d++] == e;
  FRUGAL_CHECK(ok, "{}: tensor '{}' has shape {}, expected {}", file_.path(), t.name, t.shape_string(),
               shape_str(expect));
  FRUGAL_CHECK(ggml_type_info(t.type).computable, "{}: unsupported tensor type {} in tensor '{}'", file_.path(),
               ggml_type_info(t.type).name, t.name);
}

WeightMatrix WeightBinder::matrix(const std::string& name, int64_t cols, int64_t rows) {
  const auto& t = find(name);
  check_shape(t, {cols, rows});
  WeightMatrix m = make_matrix(t);
  if (preparer_) preparer_->prepare(name, m, 1, m.bytes());
  return m;
}

std::optional<WeightMatrix> WeightBinder::optional_matrix(const std::string& name, int64_t cols, int64_t rows) {
  if (!has(name)) return std::nullopt;
  return matrix(name, cols, rows);
}

ExpertMatrices WeightBinder::experts(const std::string& name, int64_t cols, int64_t rows, int64_t n_expert) {
  const auto& t = find(name);
  check_shape(t, {cols, rows, n_expert});
  ExpertMatrices e;
  e.first = make_matrix(t);
  e.n_expert = n_expert;
  e.expert_stride = e.first.row_bytes * uint64_t(rows);
  if (preparer_) preparer_->prepare(name, e.first, n_expert, e.expert_stride);
  return e;
}

std::vector<float> WeightBinder::vector(const std::string& name, int64_t n) {
  const auto& t = find(name);
  check_shape(t, {n});
  std::vector<float> v(static_cast<size_t>(n));
  switch (t.type) {
    case GgmlType::F32:
      std::memcpy(v.data(), t.data, size_t(n) * 4);
      break;
    case GgmlType::F16:
    case GgmlType::BF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        v[size_t(i)] = t.type == GgmlType::F16 ? fp16_to_float(h) : bf16_to_float(h);
      }
      break;
    default:
      fail("{}: tensor '{}': 1-D tensors must be F32, F16 or BF16, found {}", file_.path(), name,
           ggml_type_info(t.type).name);
  }
  return v;
}

std::optional<std::vector<float>> WeightBinder::optional_vector(const std::string& name, int64_t n) {
  if (!has(name)) return std::nullopt;
  return vector(name, n);
}

std::vector<std::string> WeightBinder::unused() const {
  std::vector<std::string> out;
  for (const auto& t : file_.tensors())
    if (!used_.count(t.name)) out.push_back(t.name);
  return out;
}

}  // namespace frugal
