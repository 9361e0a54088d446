// Builtin tests (`x is defined`, `n is divisibleby(3)` ...), with Python Jinja2's semantics.
#include <array>
#include <cmath>

#include "base/error.h"
#include "chat/jinja_builtins.h"
#include "chat/jinja_text.h"

namespace frugal::jinja {

namespace {

const Value& arg(const CallArgs& a, std::string_view test) {
  FRUGAL_CHECK(a.pos.size() == 1 && a.kw.empty(), "test '{}' takes exactly one argument", test);
  return a.pos[0];
}

void no_args(const CallArgs& a, std::string_view test) {
  FRUGAL_CHECK(a.pos.empty() && a.kw.empty(), "test '{}' takes no arguments", test);
}

bool t_defined(Interp&, const Value& v, CallArgs& a) { return no_args(a, "defined"), !v.is_undefined(); }
bool t_undefined(Interp&, const Value& v, CallArgs& a) { return no_args(a, "undefined"), v.is_undefined(); }
bool t_none(Interp&, const Value& v, CallArgs& a) { return no_args(a, "none"), v.is_none(); }
bool t_boolean(Interp&, const Value& v, CallArgs& a) { return no_args(a, "boolean"), v.is(Kind::Bool); }
bool t_true(Interp&, const Value& v, CallArgs& a) { return no_args(a, "true"), v.is(Kind::Bool) && v.as_bool(); }
bool t_false(Interp&, const Value& v, CallArgs& a) { return no_args(a, "false"), v.is(Kind::Bool) && !v.as_bool(); }
bool t_integer(Interp&, const Value& v, CallArgs& a) { return no_args(a, "integer"), v.is(Kind::Int); }
bool t_float(Interp&, const Value& v, CallArgs& a) { return no_args(a, "float"), v.is(Kind::Float); }
bool t_number(Interp&, const Value& v, CallArgs& a) { return no_args(a, "number"), v.is_number(); }
bool t_string(Interp&, const Value& v, CallArgs& a) { return no_args(a, "string"), v.is_string(); }
bool t_mapping(Interp&, const Value& v, CallArgs& a) { return no_args(a, "mapping"), v.is(Kind::Dict); }
bool t_callable(Interp&, const Value& v, CallArgs& a) { return no_args(a, "callable"), v.is(Kind::Callable); }
bool t_escaped(Interp&, const Value&, CallArgs& a) { return no_args(a, "escaped"), false; }

bool t_iterable(Interp&, const Value& v, CallArgs& a) {
  no_args(a, "iterable");
  return v.is_string() || v.is(Kind::List) || v.is(Kind::Dict) || v.is_undefined();
}

bool t_sequence(Interp&, const Value& v, CallArgs& a) {
  no_args(a, "sequence");
  return v.is_string() || v.is(Kind::List) || v.is(Kind::Dict) || v.is_undefined();
}

bool odd_even(const Value& v, const char* name, int64_t want) {
  FRUGAL_CHECK(v.is(Kind::Int) || v.is(Kind::Bool), "test '{}' needs an integer, got {}", name, type_name(v));
  const int64_t i = v.is(Kind::Bool) ? v.as_bool() : v.as_int();
  return ((i % 2) + 2) % 2 == want;
}

bool t_odd(Interp&, const Value& v, CallArgs& a) { return no_args(a, "odd"), odd_even(v, "odd", 1); }
bool t_even(Interp&, const Value& v, CallArgs& a) { return no_args(a, "even"), odd_even(v, "even", 0); }

bool t_divisibleby(Interp& in, const Value& v, CallArgs& a) {
  const Value& n = arg(a, "divisibleby");
  const Value r = binary_op(in, Op::Mod, v, n);
  return r.as_double() == 0;
}

bool t_eq(Interp&, const Value& v, CallArgs& a) { return equals(v, arg(a, "eq")); }
bool t_ne(Interp&, const Value& v, CallArgs& a) { return !equals(v, arg(a, "ne")); }
bool t_lt(Interp&, const Value& v, CallArgs& a) { return compare(v, arg(a, "lt")) < 0; }
bool t_le(Interp&, const Value& v, CallArgs& a) { return compare(v, arg(a, "le")) <= 0; }
bool t_gt(Interp&, const Value& v, CallArgs& a) { return compare(v, arg(a, "gt")) > 0; }
bool t_ge(Interp&, const Value& v, CallArgs& a) { return compare(v, arg(a, "ge")) >= 0; }
bool t_in(Interp& in, const Value& v, CallArgs& a) { return contains(in, arg(a, "in"), v); }

bool t_sameas(Interp&, const Value& v, CallArgs& a) {
  const Value& o = arg(a, "sameas");
  if (v.kind() != o.kind()) return false;
  switch (v.kind()) {
    case Kind::List: return &v.list_data() == &o.list_data();
    case Kind::Dict: return &v.dict() == &o.dict();
    case Kind::Namespace: return v.ns_ptr() == o.ns_ptr();
    case Kind::Callable: return &v.fn() == &o.fn();
    case Kind::Object: return v.obj() == o.obj();
    default: return equals(v, o);
  }
}

bool has_cased(const std::string& s) { return text::lower(s) != text::upper(s); }

bool t_lower(Interp&, const Value& v, CallArgs& a) {
  no_args(a, "lower");
  return v.is_string() && has_cased(v.str()) && text::lower(v.str()) == v.str();
}

bool t_upper(Interp&, const Value& v, CallArgs& a) {
  no_args(a, "upper");
  return v.is_string() && has_cased(v.str()) && text::upper(v.str()) == v.str();
}

bool t_filter(Interp&, const Value& v, CallArgs& a) {
  no_args(a, "filter");
  return v.is_string() && find_filter(v.str()) != nullptr;
}

bool t_test(Interp&, const Value& v, CallArgs& a) {
  no_args(a, "test");
  return v.is_string() && find_test(v.str()) != nullptr;
}

struct TestEntry {
  std::string_view name;
  TestFn fn;
};

constexpr std::array<TestEntry, 39> kTests = {{
    {"defined", t_defined},     {"undefined", t_undefined}, {"none", t_none},         {"boolean", t_boolean},
    {"true", t_true},           {"false", t_false},         {"integer", t_integer},   {"float", t_float},
    {"number", t_number},       {"string", t_string},       {"mapping", t_mapping},   {"callable", t_callable},
    {"iterable", t_iterable},   {"sequence", t_sequence},   {"odd", t_odd},           {"even", t_even},
    {"divisibleby", t_divisibleby}, {"eq", t_eq},           {"equalto", t_eq},        {"==", t_eq},
    {"ne", t_ne},               {"!=", t_ne},               {"lt", t_lt},             {"lessthan", t_lt},
    {"<", t_lt},                {"le", t_le},               {"<=", t_le},             {"gt", t_gt},
    {"greaterthan", t_gt},      {">", t_gt},                {"ge", t_ge},             {">=", t_ge},
    {"in", t_in},               {"sameas", t_sameas},       {"lower", t_lower},       {"upper", t_upper},
    {"escaped", t_escaped},     {"filter", t_filter},       {"test", t_test},
}};

}  // namespace

TestFn find_test(std::string_view name) {
  for (const auto& e : kTests) {
    if (e.name == name) return e.fn;
  }
  return nullptr;
}

}  // namespace frugal::jinja
