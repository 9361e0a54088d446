// Internal: helpers shared by the builtin filters, tests and methods.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chat/jinja_interp.h"

namespace frugal::jinja {

struct FilterEntry {
  std::string_view name;
  FilterFn fn;
};

// Per-file filter tables (jinja_filters_str.cpp, jinja_filters_seq.cpp).
FilterFn find_str_filter(std::string_view name);
FilterFn find_seq_filter(std::string_view name);

// Jinja's attribute getter: "a.b.0" walks dict keys / attributes and integer indexes.
Value get_path(Interp& in, const Value& item, const Value& attribute);
// Builds a list after checking the size budget.
Value make_list(Interp& in, std::vector<Value> items, bool tuple = false);
// Python's int(str, base) for a template string; false when it does not parse.
bool parse_py_int(std::string_view s, int base, int64_t& out);
bool parse_py_float(std::string_view s, double& out);
// Python str.format with {} / {0} / {name} fields (format specs unsupported).
std::string py_format(Interp& in, std::string_view fmt, const CallArgs& args);
// HTML escaping of & < > " ' as markupsafe does.
std::string html_escape(std::string_view s);

}  // namespace frugal::jinja
