// Binds named GGUF tensors to typed weight fields once, checking shape and type.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "tensor/matrix.h"
#include "tensor/weight_preparer.h"

namespace frugal {

// Every model binds its weights through one WeightBinder. Errors name the tensor and give
// expected versus actual shape, so a wrong or corrupted file is reported, not mis-run.
class WeightBinder {
 public:
  // `preparer` (optional) sees every matrix and expert stack as it is bound (see WeightPreparer).
  explicit WeightBinder(const GgufFile& file, WeightPreparer* preparer = nullptr) : file_(file), preparer_(preparer) {}

  // 2-D matrix with GGUF ne = {cols, rows}.
  WeightMatrix matrix(const std::string& name, int64_t cols, int64_t rows);
  std::optional<WeightMatrix> optional_matrix(const std::string& name, int64_t cols, int64_t rows);
  // 3-D expert stack with ne = {cols, rows, n_expert}.
  ExpertMatrices experts(const std::string& name, int64_t cols, int64_t rows, int64_t n_expert);
  // 1-D float vector (norm weights, biases), converted to f32.
  std::vector<float> vector(const std::string& name, int64_t n);
  std::optional<std::vector<float>> optional_vector(const std::string& name, int64_t n);

  bool has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }
  // Names of tensors in the file that no binding asked for.
  std::vector<std::string> unused() const;
  const GgufFile& file() const { return file_; }

 private:
  const GgufTensorInfo& find(const std::string& name);
  void check_shape(const GgufTensorInfo& t, std::initializer_list<int64_t> expect);

  const GgufFile& file_;
  WeightPreparer* preparer_;
  std::set<std::string> used_;
};

}  // namespace frugal
