// Error type for every failure caused by input (files, templates, requests) or misuse.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace frugal {

// Thrown for any recoverable failure; the message names what was wrong (file, field, value).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace frugal

// Checks a condition that input can violate; throws frugal::Error with a formatted message.
#define FRUGAL_CHECK(cond, ...)            \
  do {                                     \
    if (!(cond)) ::frugal::fail(__VA_ARGS__); \
  } while (0)
