// Builtin filters on strings and scalars: trim, case, replace, indent, tojson, int, round, default ...
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/error.h"
#include "chat/jinja_builtins.h"
#include "chat/jinja_text.h"

namespace frugal::jinja {

namespace {

Value f_trim(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "trim", {"chars"});
  const bool use = g.given(0) && !g[0].is_none();
  return make_string(in, text::strip(in.str(v), use ? g.str_or(0, "") : "", use, true, true));
}

Value f_lower(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "lower", {});
  return make_string(in, text::lower(in.str(v)));
}

Value f_upper(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "upper", {});
  return make_string(in, text::upper(in.str(v)));
}

Value f_capitalize(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "capitalize", {});
  return make_string(in, text::capitalize(in.str(v)));
}

Value f_title(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "title", {});
  return make_string(in, text::title(in.str(v)));
}

Value f_string(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "string", {});
  return v.is_string() ? v : make_string(in, in.str(v));
}

Value f_safe(Interp&, const Value& v, CallArgs& a) {
  Args g(a, "safe", {});
  return v;
}

Value f_escape(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "escape", {});
  return make_string(in, html_escape(in.str(v)));
}

Value f_replace(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "replace", {"old", "new", "count"});
  const std::string s = in.str(v), from = g.str_or(0, ""), to = g.str_or(1, "");
  const int64_t count = g.int_or(2, -1);
  const size_t hits = from.empty() ? text::cp_count(s) + 1 : text::count(s, from);
  const size_t n = count < 0 ? hits : std::min(hits, static_cast<size_t>(count));
  if (to.size() > from.size()) in.check_string(s.size() + n * (to.size() - from.size()));
  return make_string(in, text::replace(s, from, to, count));
}

Value f_indent(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "indent", {"width", "first", "blank"});
  std::string pad;
  if (g.given(0) && g[0].is_string()) {
    pad = g[0].str();
  } else {
    const int64_t w = g.int_or(0, 4);
    in.check_string(static_cast<size_t>(std::max<int64_t>(w, 0)));
    pad.assign(static_cast<size_t>(std::max<int64_t>(w, 0)), ' ');
  }
  const bool first = g.bool_or(1, false), blank = g.bool_or(2, false);
  const std::string s = in.str(v);
  in.check_list(text::count_lines(s));
  const std::vector<std::string> lines = text::splitlines(s + "\n", false);
  in.check_string(s.size() + lines.size() * pad.size());
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    const bool indent = (i == 0 && first) || (i > 0 && (blank || !lines[i].empty()));
    if (indent) out += pad;
    out += lines[i];
  }
  return make_string(in, std::move(out));
}

Value f_center(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "center", {"width"});
  const std::string s = in.str(v);
  const int64_t width = g.int_or(0, 80);
  const auto len = static_cast<int64_t>(text::cp_count(s));
  if (width <= len) return make_string(in, s);
  in.check_string(static_cast<size_t>(width));
  const int64_t marg = width - len;
  const int64_t left = marg / 2 + (marg & width & 1);
  return make_string(in, std::string(static_cast<size_t>(left), ' ') + s +
                             std::string(static_cast<size_t>(marg - left), ' '));
}

Value f_wordcount(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "wordcount", {});
  const std::string s = in.str(v);
  int64_t n = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    const uint32_t cp = text::next_cp(s, i);
    const bool word = cp >= 0x80 ? !text::is_space(cp) : (std::isalnum(static_cast<int>(cp)) || cp == '_');
    if (word && !in_word) ++n;
    in_word = word;
  }
  return Value::integer(n);
}

Value f_format(Interp& in, const Value& v, CallArgs& a) {
  // Python's `fmt % args` for the common conversions: %s %d %i %f %r %%.
  const std::string fmt = in.str(v);
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    size_t j = i + 1;
    while (j < fmt.size() && (std::isdigit(static_cast<unsigned char>(fmt[j])) || fmt[j] == '.' || fmt[j] == '-')) ++j;
    FRUGAL_CHECK(j < fmt.size(), "incomplete format in |format");
    const char conv = fmt[j];
    if (conv == '%') {
      out += '%';
    } else {
      FRUGAL_CHECK(next < a.pos.size(), "not enough arguments for format string");
      const Value& arg = a.pos[next++];
      const std::string spec = "%" + fmt.substr(i + 1, j - i - 1);
      char buf[512];
      if (conv == 's') {
        out += in.str(arg);
      } else if (conv == 'r') {
        append_repr(out, arg, in.limits().max_string_bytes);
      } else if (conv == 'd' || conv == 'i') {
        FRUGAL_CHECK(arg.is_number(), "%d format: a number is required, not {}", type_name(arg));
        std::snprintf(buf, sizeof buf, (spec + "lld").c_str(), static_cast<long long>(arg.as_double()));
        out += buf;
      } else if (conv == 'f' || conv == 'e' || conv == 'g') {
        FRUGAL_CHECK(arg.is_number(), "%{} format: a number is required, not {}", conv, type_name(arg));
        FRUGAL_CHECK(spec.size() < 12, "format spec too long");
        std::snprintf(buf, sizeof buf, (spec + conv).c_str(), arg.as_double());
        out += buf;
      } else {
        fail("unsupported format character '{}' in |format", conv);
      }
    }
    in.check_string(out.size());
    i = j;
  }
  return make_string(in, std::move(out));
}

Value f_truncate(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "truncate", {"length", "killwords", "end", "leeway"});
  const std::string s = in.str(v);
  const int64_t length = g.int_or(0, 255), leeway = g.int_or(3, 5);
  const std::string end = g.str_or(2, "...");
  const auto n = static_cast<int64_t>(text::cp_count(s));
  if (n <= length + leeway) return v.is_string() ? v : make_string(in, s);
  const int64_t keep = std::clamp<int64_t>(length - static_cast<int64_t>(text::cp_count(end)), 0, n);
  std::string head = s.substr(0, text::cp_to_byte(s, static_cast<size_t>(keep)));
  if (!g.bool_or(1, false)) {
    const size_t sp = head.rfind(' ');
    if (sp != std::string::npos) head.resize(sp);
  }
  return make_string(in, head + end);
}

Value f_tojson(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "tojson", {"indent", "ensure_ascii", "separators", "sort_keys"});
  JsonOptions opt;
  const bool indenting = g.given(0) && !g[0].is_none();
  if (indenting) {
    if (g[0].is_string()) {
      opt.indent_str = g[0].str();
      if (opt.indent_str.empty()) opt.indent = 0;
    } else {
      opt.indent = static_cast<int>(std::clamp<int64_t>(g.int_or(0, 0), 0, 64));
    }
    opt.item_sep = ",";
  }
  opt.ensure_ascii = g.bool_or(1, false);
  opt.sort_keys = g.bool_or(3, false);
  if (g.given(2) && !g[2].is_none()) {
    const Value& seps = g[2];
    FRUGAL_CHECK(seps.is(Kind::List) && seps.items().size() == 2 && seps.items()[0].is_string() &&
                     seps.items()[1].is_string(),
                 "tojson(): separators must be a pair of strings");
    opt.item_sep = seps.items()[0].str();
    opt.key_sep = seps.items()[1].str();
  }
  opt.max_bytes = in.limits().max_string_bytes;
  std::string out;
  append_json(out, v, opt);
  return make_string(in, std::move(out));
}

Value f_int(Interp&, const Value& v, CallArgs& a) {
  Args g(a, "int", {"default", "base"});
  const Value dflt = g.given(0) ? g[0] : Value::integer(0);
  if (v.is(Kind::Int)) return v;
  if (v.is(Kind::Bool)) return Value::integer(v.as_bool());
  if (v.is(Kind::Float)) {
    const double d = v.as_float();
    FRUGAL_CHECK(std::isfinite(d) && std::fabs(d) < 9.2e18, "cannot convert float {} to integer", float_repr(d));
    return Value::integer(static_cast<int64_t>(d));
  }
  if (!v.is_string()) return dflt;
  int64_t i = 0;
  if (parse_py_int(v.str(), static_cast<int>(g.int_or(1, 10)), i)) return Value::integer(i);
  double d = 0;
  if (parse_py_float(v.str(), d) && std::isfinite(d) && std::fabs(d) < 9.2e18) {
    return Value::integer(static_cast<int64_t>(d));
  }
  return dflt;
}

Value f_float(Interp&, const Value& v, CallArgs& a) {
  Args g(a, "float", {"default"});
  const Value dflt = g.given(0) ? g[0] : Value::number(0.0);
  if (v.is_number()) return Value::number(v.as_double());
  double d = 0;
  if (v.is_string() && parse_py_float(v.str(), d)) return Value::number(d);
  return dflt;
}

Value f_abs(Interp&, const Value& v, CallArgs& a) {
  Args g(a, "abs", {});
  if (v.is(Kind::Float)) return Value::number(std::fabs(v.as_float()));
  FRUGAL_CHECK(v.is(Kind::Int) || v.is(Kind::Bool), "bad operand type for abs(): '{}'", type_name(v));
  const int64_t i = v.is(Kind::Bool) ? v.as_bool() : v.as_int();
  FRUGAL_CHECK(i != INT64_MIN, "integer overflow in abs()");
  return Value::integer(i < 0 ? -i : i);
}

Value f_round(Interp&, const Value& v, CallArgs& a) {
  Args g(a, "round", {"precision", "method"});
  const int64_t prec = std::clamp<int64_t>(g.int_or(0, 0), -300, 300);
  const std::string method = g.str_or(1, "common");
  FRUGAL_CHECK(method == "common" || method == "floor" || method == "ceil",
               "round(): method must be 'common', 'ceil' or 'floor'");
  FRUGAL_CHECK(v.is_number(), "round(): a number is required, not {}", type_name(v));
  if (method == "common") {
    if (v.is(Kind::Int) || v.is(Kind::Bool)) return v.is(Kind::Bool) ? Value::integer(v.as_bool()) : v;
    const double d = v.as_float();
    if (!std::isfinite(d)) return v;
    if (prec <= 0) {
      const double p = std::pow(10.0, static_cast<double>(-prec));
      return Value::number(std::nearbyint(d / p) * p);
    }
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(prec), d);  // correctly rounded, half-even
    return Value::number(std::strtod(buf, nullptr));
  }
  const double p = std::pow(10.0, static_cast<double>(prec));
  const double x = v.as_double() * p;
  return Value::number((method == "floor" ? std::floor(x) : std::ceil(x)) / p);
}

Value f_default(Interp&, const Value& v, CallArgs& a) {
  Args g(a, "default", {"default_value", "boolean"});
  const Value dflt = g.given(0) ? g[0] : Value::string(std::string());
  if (v.is_undefined() || (g.bool_or(1, false) && !truthy(v))) return dflt;
  return v;
}

Value f_length(Interp&, const Value& v, CallArgs& a) {
  Args g(a, "length", {});
  switch (v.kind()) {
    case Kind::String: return Value::integer(static_cast<int64_t>(text::cp_count(v.str())));
    case Kind::List: return Value::integer(static_cast<int64_t>(v.items().size()));
    case Kind::Dict: return Value::integer(static_cast<int64_t>(v.dict().items.size()));
    case Kind::Undefined: return Value::integer(0);
    default: fail("object of type '{}' has no len()", type_name(v));
  }
}

Value f_attr(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "attr", {"name"});
  return in.getattr(v, g.str_or(0, ""));
}

constexpr std::array<FilterEntry, 26> kStrFilters = {{
    {"abs", f_abs},
    {"attr", f_attr},
    {"capitalize", f_capitalize},
    {"center", f_center},
    {"count", f_length},
    {"d", f_default},
    {"default", f_default},
    {"e", f_escape},
    {"escape", f_escape},
    {"float", f_float},
    {"format", f_format},
    {"indent", f_indent},
    {"int", f_int},
    {"length", f_length},
    {"lower", f_lower},
    {"replace", f_replace},
    {"round", f_round},
    {"safe", f_safe},
    {"string", f_string},
    {"title", f_title},
    {"tojson", f_tojson},
    {"trim", f_trim},
    {"truncate", f_truncate},
    {"upper", f_upper},
    {"wordcount", f_wordcount},
    {"forceescape", f_escape},
}};

}  // namespace

FilterFn find_str_filter(std::string_view name) {
  for (const auto& e : kStrFilters) {
    if (e.name == name) return e.fn;
  }
  return nullptr;
}

}  // namespace frugal::jinja
