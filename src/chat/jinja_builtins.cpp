// Helpers shared by the builtin filters, tests and methods: argument binding, parsing, formatting.
#include "chat/jinja_builtins.h"

#include <cerrno>
#include <cstdlib>

#include "base/error.h"
#include "chat/jinja_text.h"

namespace frugal::jinja {

Args::Args(const CallArgs& a, std::string_view fname, std::initializer_list<std::string_view> names)
    : v_(names.size()), fname_(fname) {
  FRUGAL_CHECK(a.pos.size() <= names.size(), "{}() takes at most {} argument(s), got {}", fname, names.size(),
               a.pos.size());
  for (size_t i = 0; i < a.pos.size(); ++i) v_[i] = a.pos[i];
  for (const auto& kv : a.kw) {
    size_t k = 0;
    for (std::string_view n : names) {
      if (n == kv.first) break;
      ++k;
    }
    FRUGAL_CHECK(k < names.size(), "{}() got an unexpected keyword argument '{}'", fname, kv.first);
    FRUGAL_CHECK(k >= a.pos.size(), "{}() got multiple values for argument '{}'", fname, kv.first);
    v_[k] = kv.second;
  }
}

int64_t Args::int_or(size_t i, int64_t dflt) const {
  if (!given(i) || v_[i].is_none()) return dflt;
  if (v_[i].is(Kind::Bool)) return v_[i].as_bool();
  FRUGAL_CHECK(v_[i].is(Kind::Int), "{}(): expected an integer argument, got {}", fname_, type_name(v_[i]));
  return v_[i].as_int();
}

bool Args::bool_or(size_t i, bool dflt) const { return given(i) ? truthy(v_[i]) : dflt; }

std::string Args::str_or(size_t i, std::string dflt) const {
  if (!given(i)) return dflt;
  FRUGAL_CHECK(v_[i].is_string(), "{}(): expected a string argument, got {}", fname_, type_name(v_[i]));
  return v_[i].str();
}

FilterFn find_filter(std::string_view name) {
  if (FilterFn f = find_str_filter(name)) return f;
  return find_seq_filter(name);
}

Value make_list(Interp& in, std::vector<Value> items, bool tuple) {
  in.check_list(items.size());
  in.step(items.size());
  return Value::list(std::move(items), tuple);
}

Value get_path(Interp& in, const Value& item, const Value& attribute) {
  if (attribute.is(Kind::Int)) return in.getitem(item, attribute);
  FRUGAL_CHECK(attribute.is_string(), "attribute must be a string or an integer, got {}", type_name(attribute));
  Value cur = item;
  for (const std::string& part : text::split_sep(attribute.str(), ".", -1)) {
    int64_t idx = 0;
    if (!part.empty() && part.find_first_not_of("0123456789") == std::string::npos && parse_py_int(part, 10, idx)) {
      cur = in.getitem(cur, Value::integer(idx));
    } else {
      cur = in.getattr(cur, part);
    }
  }
  return cur;
}

namespace {

std::string clean_number(std::string_view s, bool& ok) {
  const std::string t = text::strip(s, "", false, true, true);
  std::string out;
  ok = !t.empty();
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '_') {
      // Python allows single underscores between digits only.
      const bool between = i > 0 && i + 1 < t.size() && std::isalnum(static_cast<unsigned char>(t[i - 1])) &&
                           std::isalnum(static_cast<unsigned char>(t[i + 1]));
      ok = ok && between;
      continue;
    }
    out += t[i];
  }
  return out;
}

}  // namespace

bool parse_py_int(std::string_view s, int base, int64_t& out) {
  bool ok = false;
  std::string t = clean_number(s, ok);
  if (!ok) return false;
  size_t p = (t[0] == '+' || t[0] == '-') ? 1 : 0;
  const bool neg = t[0] == '-';
  if (t.size() > p + 1 && t[p] == '0' && std::isalpha(static_cast<unsigned char>(t[p + 1]))) {
    const char c = static_cast<char>(t[p + 1] | 0x20);
    const int prefix_base = c == 'x' ? 16 : (c == 'o' ? 8 : (c == 'b' ? 2 : 0));
    if (prefix_base == 0 || (base != 0 && base != prefix_base)) return false;
    base = prefix_base;
    p += 2;
  } else if (base == 0) {
    base = 10;
    if (t.size() > p + 1 && t[p] == '0' && t.find_first_not_of('0', p) != std::string::npos) return false;
  }
  if (p >= t.size()) return false;
  for (size_t i = p; i < t.size(); ++i) {
    const char c = static_cast<char>(t[i] | 0x20);
    const int d = (c >= '0' && c <= '9') ? c - '0' : ((c >= 'a' && c <= 'z') ? c - 'a' + 10 : 99);
    if (d >= base) return false;
  }
  errno = 0;
  const unsigned long long mag = std::strtoull(t.c_str() + p, nullptr, base);
  if (errno != 0 || mag > static_cast<unsigned long long>(INT64_MAX) + (neg ? 1 : 0)) return false;
  out = neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
  return true;
}

bool parse_py_float(std::string_view s, double& out) {
  bool ok = false;
  const std::string t = clean_number(s, ok);
  if (!ok) return false;
  for (char c : t) {
    const char l = static_cast<char>(c | 0x20);
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-' || l == 'e' ||
          l == 'i' || l == 'n' || l == 'f' || l == 't' || l == 'y' || l == 'a')) {
      return false;
    }
  }
  const std::string_view body = std::string_view(t).substr((t[0] == '+' || t[0] == '-') ? 1 : 0);
  const std::string low = text::lower(body);
  if (std::isalpha(static_cast<unsigned char>(body.empty() ? '0' : body[0])) && low != "inf" &&
      low != "infinity" && low != "nan") {
    return false;
  }
  char* end = nullptr;
  out = std::strtod(t.c_str(), &end);
  return end && *end == '\0';
}

std::string py_format(Interp& in, std::string_view fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if (c == '}') {
      FRUGAL_CHECK(i + 1 < fmt.size() && fmt[i + 1] == '}', "single '}}' encountered in format string");
      out += '}';
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const size_t close = fmt.find('}', i);
    FRUGAL_CHECK(close != std::string_view::npos, "single '{{' encountered in format string");
    const std::string_view field = fmt.substr(i + 1, close - i - 1);
    FRUGAL_CHECK(field.find_first_of(":!.[") == std::string_view::npos,
                 "format field '{{{}}}' is not supported (only {{}}, {{0}} and {{name}})", field);
    const Value* v = nullptr;
    if (field.empty() || std::isdigit(static_cast<unsigned char>(field[0]))) {
      int64_t idx = static_cast<int64_t>(auto_index++);
      if (!field.empty()) FRUGAL_CHECK(parse_py_int(field, 10, idx), "bad format field '{}'", field);
      FRUGAL_CHECK(idx >= 0 && static_cast<size_t>(idx) < args.pos.size(), "format index {} out of range", idx);
      v = &args.pos[static_cast<size_t>(idx)];
    } else {
      for (const auto& kv : args.kw) {
        if (kv.first == field) v = &kv.second;
      }
      FRUGAL_CHECK(v != nullptr, "format argument '{}' not given", field);
    }
    append_str(out, *v, in.limits().max_string_bytes);
    in.check_string(out.size());
    i = close;
  }
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace frugal::jinja
