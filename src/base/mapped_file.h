// Read-only memory mapping of a whole file (zero-copy access to tensor data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace frugal {

class MappedFile {
 public:
  // Maps `path` read-only; throws Error naming the file on failure.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace frugal
