// Reads "<arch>.<key>" hyperparameters with range checks and errors that name the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "io/gguf.h"

namespace frugal {

class HParams {
 public:
  HParams(const GgufFile& f, std::string arch) : f_(f), arch_(std::move(arch)) {}

  const std::string& arch() const { return arch_; }
  const GgufFile& file() const { return f_; }
  std::string key(const std::string& k) const { return arch_ + "." + k; }

  // Required integer in [lo, hi].
  int64_t count(const std::string& k, int64_t lo, int64_t hi) const;
  // Optional integer in [lo, hi], `def` when absent.
  int64_t count_or(const std::string& k, int64_t def, int64_t lo, int64_t hi) const;
  double real_or(const std::string& k, double def) const;
  bool flag_or(const std::string& k, bool def) const;
  std::optional<std::string> text(const std::string& k) const;

 private:
  const GgufFile& f_;
  std::string arch_;
};

}  // namespace frugal
