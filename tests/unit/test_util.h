// Helpers shared by unit tests: scratch paths and file writing.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

namespace frugal {

namespace detail {
// Scratch directory of this test process, removed when it exits. ctest runs every test in its own
// process, several at once: files with the same name in a shared directory would be rewritten by
// one test while another maps them.
struct ProcessTmpDir {
  std::filesystem::path path;
  ProcessTmpDir() {
    const char* dir = std::getenv("FRUGAL_TEST_TMP");
    path = (dir ? std::filesystem::path(dir) : std::filesystem::temp_directory_path() / "frugal-tests") /
           ("pid-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~ProcessTmpDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};
}  // namespace detail

inline const std::filesystem::path& process_tmp_dir() {
  static const detail::ProcessTmpDir dir;
  return dir.path;
}

inline std::string test_tmp_path(const std::string& name) { return (process_tmp_dir() / name).string(); }

inline void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

}  // namespace frugal
