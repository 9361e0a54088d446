// Python methods callable from templates: str (strip, split, startswith, format ...), dict, list.
#include <algorithm>
#include <array>

#include "base/error.h"
#include "chat/jinja_builtins.h"
#include "chat/jinja_text.h"

namespace frugal::jinja {

namespace {

constexpr std::array<std::string_view, 33> kStrMethods = {
    "upper", "lower", "title", "capitalize", "casefold", "strip", "lstrip", "rstrip", "startswith", "endswith",
    "split", "rsplit", "splitlines", "replace", "find", "rfind", "index", "rindex", "count", "join", "format",
    "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper", "zfill", "center", "ljust", "rjust",
    "removeprefix", "removesuffix"};
constexpr std::array<std::string_view, 5> kDictMethods = {"items", "keys", "values", "get", "copy"};
constexpr std::array<std::string_view, 3> kListMethods = {"count", "index", "copy"};
constexpr std::array<std::string_view, 11> kMutators = {"append", "extend", "insert", "pop", "remove", "clear",
                                                        "update", "setdefault", "popitem", "sort", "reverse"};

template <size_t N>
bool in_set(const std::array<std::string_view, N>& set, std::string_view name) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

Value str_list(Interp& in, const std::vector<std::string>& parts) {
  in.step(parts.size() * 4);  // one string allocation each
  std::vector<Value> out;
  out.reserve(parts.size());
  for (const auto& p : parts) out.push_back(Value::string(p));
  return make_list(in, std::move(out));
}

bool affix_match(const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const Value& x) {
    FRUGAL_CHECK(x.is_string(), "{}() arguments must be str or a tuple of str, not {}",
                 prefix ? "startswith" : "endswith", type_name(x));
    const std::string& a = x.str();
    return a.size() <= s.size() && (prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0);
  };
  if (affix.is(Kind::List)) return std::any_of(affix.items().begin(), affix.items().end(), one);
  return one(affix);
}

int64_t cp_index(const std::string& s, size_t byte_pos) {
  return static_cast<int64_t>(text::cp_count(std::string_view(s).substr(0, byte_pos)));
}

bool char_class(const std::string& s, std::string_view name) {
  if (s.empty()) return false;
  if (name == "islower" || name == "isupper") {
    if (text::lower(s) == text::upper(s)) return false;
    return name == "islower" ? text::lower(s) == s : text::upper(s) == s;
  }
  for (size_t i = 0; i < s.size();) {
    const uint32_t cp = text::next_cp(s, i);
    const bool digit = cp >= '0' && cp <= '9';
    const bool alpha = (cp < 0x80 && std::isalpha(static_cast<int>(cp))) || (cp >= 0x80 && !text::is_space(cp));
    const bool ok = name == "isdigit" ? digit : name == "isalpha" ? alpha : name == "isalnum" ? (alpha || digit)
                                                                                              : text::is_space(cp);
    if (!ok) return false;
  }
  return true;
}

Value pad(Interp& in, const std::string& s, std::string_view how, const Args& g) {
  const int64_t width = g.int_or(0, 0);
  const std::string fill = g.str_or(1, " ");
  FRUGAL_CHECK(text::cp_count(fill) == 1, "the fill character must be exactly one character long");
  const auto len = static_cast<int64_t>(text::cp_count(s));
  if (width <= len) return Value::string(s);
  in.check_string(static_cast<size_t>(width) * fill.size());
  const int64_t marg = width - len;
  int64_t left = how == "rjust" ? marg : (how == "ljust" ? 0 : marg / 2 + (marg & width & 1));
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (int64_t i = 0; i < marg - left; ++i) out += fill;
  return make_string(in, std::move(out));
}

Value find_like(const std::string& s, std::string_view name, const Args& g) {
  const std::string sub = g.str_or(0, "");
  const bool reverse = name == "rfind" || name == "rindex";
  const size_t p = reverse ? s.rfind(sub) : s.find(sub);
  if (p == std::string::npos) {
    FRUGAL_CHECK(name == "find" || name == "rfind", "substring not found");
    return Value::integer(-1);
  }
  return Value::integer(cp_index(s, p));
}

Value str_method_more(Interp& in, const std::string& s, std::string_view name, CallArgs& a);

// str methods: case, strip, affix tests, split, replace, find, count, join.
Value str_method(Interp& in, const std::string& s, std::string_view name, CallArgs& a) {
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize" || name == "casefold") {
    Args g(a, name, {});
    return make_string(in, name == "upper"        ? text::upper(s)
                           : name == "title"      ? text::title_method(s)
                           : name == "capitalize" ? text::capitalize(s)
                                                  : text::lower(s));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    Args g(a, name, {"chars"});
    const bool use = g.given(0) && !g[0].is_none();
    return make_string(in, text::strip(s, use ? g.str_or(0, "") : "", use, name != "rstrip", name != "lstrip"));
  }
  if (name == "startswith" || name == "endswith") {
    Args g(a, name, {"prefix"});
    return Value::boolean(affix_match(s, g[0], name == "startswith"));
  }
  if (name == "split" || name == "rsplit") {
    Args g(a, name, {"sep", "maxsplit"});
    const int64_t maxsplit = g.int_or(1, -1);
    const bool ws = !g.given(0) || g[0].is_none();
    in.check_list(ws ? text::count_words(s) : text::count(s, g.str_or(0, " ")) + 1);
    if (ws) return str_list(in, name == "split" ? text::split_ws(s, maxsplit) : text::rsplit_ws(s, maxsplit));
    const std::string sep = g.str_or(0, "");
    FRUGAL_CHECK(!sep.empty(), "empty separator");
    return str_list(in, name == "split" ? text::split_sep(s, sep, maxsplit) : text::rsplit_sep(s, sep, maxsplit));
  }
  if (name == "splitlines") {
    Args g(a, name, {"keepends"});
    in.check_list(text::count_lines(s));
    return str_list(in, text::splitlines(s, g.bool_or(0, false)));
  }
  if (name == "replace") {
    CallArgs copy = a;
    return find_filter("replace")(in, Value::string(s), copy);
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") return find_like(s, name, Args(a, name, {"sub"}));
  if (name == "count") {
    Args g(a, name, {"sub"});
    return Value::integer(static_cast<int64_t>(text::count(s, g.str_or(0, ""))));
  }
  if (name == "join") {
    Args g(a, name, {"iterable"});
    CallArgs ja;
    ja.pos.push_back(Value::string(s));
    return find_filter("join")(in, g[0], ja);
  }
  return str_method_more(in, s, name, a);
}

// The rest of the str methods: format, padding, affixes, character classes.
Value str_method_more(Interp& in, const std::string& s, std::string_view name, CallArgs& a) {
  if (name == "format") return make_string(in, py_format(in, s, a));
  if (name == "zfill") {
    Args g(a, name, {"width"});
    const auto len = static_cast<int64_t>(text::cp_count(s));
    const int64_t width = g.int_or(0, 0);
    if (width <= len) return Value::string(s);
    in.check_string(static_cast<size_t>(width));
    const size_t sign = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    return Value::string(s.substr(0, sign) + std::string(static_cast<size_t>(width - len), '0') + s.substr(sign));
  }
  if (name == "center" || name == "ljust" || name == "rjust") return pad(in, s, name, Args(a, name, {"width", "fillchar"}));
  if (name == "removeprefix" || name == "removesuffix") {
    Args g(a, name, {"affix"});
    const std::string x = g.str_or(0, "");
    if (name == "removeprefix") return Value::string(s.compare(0, x.size(), x) == 0 ? s.substr(x.size()) : s);
    const bool ends = x.size() <= s.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
    return Value::string(ends ? s.substr(0, s.size() - x.size()) : s);
  }
  Args g(a, name, {});
  return Value::boolean(char_class(s, name));
}

Value dict_method(Interp& in, const Value& self, std::string_view name, CallArgs& a) {
  const DictData& d = self.dict();
  if (name == "get") {
    Args g(a, "get", {"key", "default"});
    const Value* v = g[0].is_string() ? d.find(g[0].str()) : nullptr;
    return v ? *v : (g.given(1) ? g[1] : Value::none());
  }
  Args g(a, name, {});
  if (name == "copy") return self;
  std::vector<Value> out;
  out.reserve(d.items.size());
  for (const auto& kv : d.items) {
    if (name == "keys") {
      out.push_back(Value::string(kv.first));
    } else if (name == "values") {
      out.push_back(kv.second);
    } else {
      out.push_back(Value::list({Value::string(kv.first), kv.second}, true));
    }
  }
  return make_list(in, std::move(out));
}

Value list_method(Interp& in, const Value& self, std::string_view name, CallArgs& a) {
  if (name == "copy") {
    Args none(a, name, {});
    return self;
  }
  Args g(a, name, {"value"});
  in.step(self.items().size());
  int64_t n = 0, first = -1;
  for (size_t i = 0; i < self.items().size(); ++i) {
    if (equals(self.items()[i], g[0])) {
      ++n;
      if (first < 0) first = static_cast<int64_t>(i);
    }
  }
  if (name == "count") return Value::integer(n);
  FRUGAL_CHECK(first >= 0, "list.index(x): x not in list");
  return Value::integer(first);
}

}  // namespace

bool has_method(const Value& self, std::string_view name) {
  switch (self.kind()) {
    case Kind::String: return in_set(kStrMethods, name);
    case Kind::Dict: return in_set(kDictMethods, name);
    case Kind::List: return in_set(kListMethods, name);
    default: return false;
  }
}

bool call_method(Interp& in, const Value& self, std::string_view name, CallArgs& args, Value& result) {
  if ((self.is(Kind::List) || self.is(Kind::Dict)) && in_set(kMutators, name)) {
    fail("access to attribute '{}' of '{}' object is unsafe: templates are sandboxed and cannot modify "
         "lists or dicts (use a namespace, or build a new list with +)",
         name, type_name(self));
  }
  if (!has_method(self, name)) return false;
  in.step();
  in.charge_for(self);
  if (self.is_string()) {
    result = str_method(in, self.str(), name, args);
  } else if (self.is(Kind::Dict)) {
    result = dict_method(in, self, name, args);
  } else {
    result = list_method(in, self, name, args);
  }
  return true;
}

}  // namespace frugal::jinja
