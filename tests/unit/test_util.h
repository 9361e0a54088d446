// Helpers shared by unit tests: scratch paths and file writing.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace frugal {

inline std::string test_tmp_path(const std::string& name) {
  const char* dir = std::getenv("FRUGAL_TEST_TMP");
  std::filesystem::path d = dir ? dir : std::filesystem::temp_directory_path() / "frugal-tests";
  std::filesystem::create_directories(d);
  return (d / name).string();
}

inline void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

}  // namespace frugal
