// JSON serialisation of template values, byte-compatible with Python's json.dumps (HF's |tojson).
#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "chat/jinja_text.h"
#include "chat/jinja_value.h"

namespace frugal::jinja {

void append_json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    // Copy runs that need no escaping in one go.
    size_t run = i;
    while (run < s.size()) {
      const auto c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c == '"' || c == '\\' || (ensure_ascii && c >= 0x7F)) break;
      ++run;
    }
    if (run > i) {
      out.append(s.substr(i, run - i));
      i = run;
      continue;
    }
    const size_t start = i;
    const uint32_t cp = text::next_cp(s, i);
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (cp < 0x20 || (ensure_ascii && cp >= 0x7F)) {
      if (cp >= 0x10000) {
        const uint32_t v = cp - 0x10000;
        out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      } else {
        out += fmt::format("\\u{:04x}", cp);
      }
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  out += '"';
}

namespace {

void newline_indent(std::string& out, const JsonOptions& opt, int level) {
  out += '\n';
  for (int i = 0; i < level; ++i) {
    if (!opt.indent_str.empty()) {
      out += opt.indent_str;
    } else {
      out.append(static_cast<size_t>(opt.indent), ' ');
    }
  }
}

bool indenting(const JsonOptions& opt) { return opt.indent >= 0 || !opt.indent_str.empty(); }

template <typename Items>
void append_object(std::string& out, const Items& items, const JsonOptions& opt, int level) {
  if (items.empty()) {
    out += "{}";
    return;
  }
  std::vector<const std::pair<std::string, Value>*> order;
  order.reserve(items.size());
  for (const auto& kv : items) order.push_back(&kv);
  if (opt.sort_keys) {
    std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->first < b->first; });
  }
  out += '{';
  for (size_t i = 0; i < order.size(); ++i) {
    if (i) out += opt.item_sep;
    if (indenting(opt)) newline_indent(out, opt, level + 1);
    append_json_string(out, order[i]->first, opt.ensure_ascii);
    out += opt.key_sep;
    append_json(out, order[i]->second, opt, level + 1);
    if (out.size() > opt.max_bytes) fail("template output or string value exceeded {} bytes", opt.max_bytes);
  }
  if (indenting(opt)) newline_indent(out, opt, level);
  out += '}';
}

}  // namespace

void append_json(std::string& out, const Value& v, const JsonOptions& opt, int level) {
  switch (v.kind()) {
    case Kind::Undefined:
    case Kind::None: out += "null"; return;
    case Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
    case Kind::Int: out += std::to_string(v.as_int()); return;
    case Kind::Float: {
      const double d = v.as_float();
      if (std::isnan(d)) {
        out += "NaN";
      } else if (std::isinf(d)) {
        out += d < 0 ? "-Infinity" : "Infinity";
      } else {
        out += float_repr(d);
      }
      return;
    }
    case Kind::String: append_json_string(out, v.str(), opt.ensure_ascii); return;
    case Kind::List: {
      const auto& items = v.items();
      if (items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += opt.item_sep;
        if (indenting(opt)) newline_indent(out, opt, level + 1);
        append_json(out, items[i], opt, level + 1);
        if (out.size() > opt.max_bytes) fail("template output or string value exceeded {} bytes", opt.max_bytes);
      }
      if (indenting(opt)) newline_indent(out, opt, level);
      out += ']';
      return;
    }
    case Kind::Dict: append_object(out, v.dict().items, opt, level); return;
    case Kind::Namespace: append_object(out, v.ns().items, opt, level); return;
    default: fail("Object of type {} is not JSON serializable", type_name(v));
  }
}

}  // namespace frugal::jinja
