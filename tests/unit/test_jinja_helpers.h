// Helpers for the Jinja interpreter's unit tests: render a template, or get its error message.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "chat/jinja.h"

namespace frugal::jinja {

inline std::string render(std::string_view tpl, std::string_view context_json = "{}", const RenderOptions& opt = {}) {
  const Template t(tpl);
  return t.render(nlohmann::ordered_json::parse(context_json), opt);
}

// The frugal::Error message of parsing + rendering, or "<no error>".
inline std::string error_of(std::string_view tpl, std::string_view context_json = "{}", const RenderOptions& opt = {}) {
  try {
    render(tpl, context_json, opt);
  } catch (const frugal::Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace frugal::jinja
