// Runtime values of the Jinja interpreter: construction, truthiness, str/repr, equality, ordering.
#include "chat/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/error.h"
#include "chat/jinja_text.h"

namespace frugal::jinja {

namespace {

uint32_t child_depth(const Value& v) { return v.depth(); }

}  // namespace

Value Value::list(std::vector<Value> items, bool tuple) {
  auto d = std::make_shared<ListData>();
  uint32_t deepest = 0;
  for (const Value& v : items) {
    deepest = std::max(deepest, child_depth(v));
    d->has_ns = d->has_ns || v.has_ns();
  }
  FRUGAL_CHECK(deepest < kMaxValueDepth, "template value nested deeper than {} levels", kMaxValueDepth);
  d->depth = deepest + 1;
  d->items = std::move(items);
  d->tuple = tuple;
  return Value(Storage(ListPtr(std::move(d))));
}

Value Value::dict(std::vector<std::pair<std::string, Value>> items) {
  auto d = std::make_shared<DictData>();
  uint32_t deepest = 0;
  for (const auto& kv : items) {
    deepest = std::max(deepest, child_depth(kv.second));
    d->has_ns = d->has_ns || kv.second.has_ns();
  }
  FRUGAL_CHECK(deepest < kMaxValueDepth, "template value nested deeper than {} levels", kMaxValueDepth);
  d->depth = deepest + 1;
  d->items = std::move(items);
  d->index.added(d->items);  // builds the hash index when there are more than 16 keys
  return Value(Storage(DictPtr(std::move(d))));
}

Value Value::callable(std::string name, CallFn fn) {
  return Value(Storage(FnPtr(std::make_shared<const Callable>(Callable{std::move(name), std::move(fn)}))));
}

double Value::as_double() const {
  switch (kind()) {
    case Kind::Int: return static_cast<double>(as_int());
    case Kind::Float: return as_float();
    case Kind::Bool: return as_bool() ? 1.0 : 0.0;
    default: fail("expected a number, got {}", type_name(*this));
  }
}

uint32_t Value::depth() const {
  switch (kind()) {
    case Kind::List: return list_data().depth;
    case Kind::Dict: return dict().depth;
    case Kind::Namespace: return ns().depth();
    default: return 0;
  }
}

bool Value::has_ns() const {
  switch (kind()) {
    case Kind::List: return list_data().has_ns;
    case Kind::Dict: return dict().has_ns;
    case Kind::Namespace: return true;
    default: return false;
  }
}

const Value* DictData::find(std::string_view key) const { return index.find(items, key); }

const Value* NamespaceData::find(std::string_view key) const { return index.find(items, key); }

void NamespaceData::set(std::string_view key, Value v) {
  // Namespaces are the only mutable values: keeping them (and loop/cycler objects) out of namespaces
  // rules out reference cycles.
  FRUGAL_CHECK(!v.has_ns() && !v.is(Kind::Object), "cannot store a {} in namespace attribute '{}'",
               v.is(Kind::Object) ? type_name(v) : std::string("namespace"), key);
  if (Value* slot = index.find(items, key)) {
    *slot = std::move(v);
    return;
  }
  FRUGAL_CHECK(items.size() < 100000, "namespace has too many attributes");
  items.emplace_back(std::string(key), std::move(v));
  index.added(items);
}

uint32_t NamespaceData::depth() const {
  uint32_t deepest = 0;
  for (const auto& kv : items) deepest = std::max(deepest, kv.second.depth());
  return deepest + 1;
}

void DictBuilder::set(std::string key, Value v) {
  if (Value* slot = index_.find(items_, key)) {
    *slot = std::move(v);
    return;
  }
  items_.emplace_back(std::move(key), std::move(v));
  index_.added(items_);
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined:
    case Kind::None: return false;
    case Kind::Bool: return v.as_bool();
    case Kind::Int: return v.as_int() != 0;
    case Kind::Float: return v.as_float() != 0.0;
    case Kind::String: return !v.str().empty();
    case Kind::List: return !v.items().empty();
    case Kind::Dict: return !v.dict().items.empty();
    default: return true;
  }
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: return "undefined";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::List: return v.list_data().tuple ? "tuple" : "list";
    case Kind::Dict: return "dict";
    case Kind::Namespace: return "Namespace";
    case Kind::Callable: return "function";
    case Kind::Object: return v.obj()->type_name();
  }
  return "?";
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  const size_t epos = sci.find('e');
  std::string digits(1, sci[0]);
  if (epos > 1) digits.append(sci.substr(2, epos - 2));
  int exp = 0;
  std::from_chars(sci.data() + epos + 1 + (sci[epos + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp);
  const int decpt = exp + 1;
  const auto n = static_cast<int>(digits.size());
  std::string out = std::signbit(d) ? "-" : "";
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
    } else if (decpt >= n) {
      out += digits + std::string(static_cast<size_t>(decpt - n), '0') + ".0";
    } else {
      out += digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (n > 1) out += "." + digits.substr(1);
  out += exp < 0 ? "e-" : "e+";
  const int ae = std::abs(exp);
  if (ae < 10) out += '0';
  out += std::to_string(ae);
  return out;
}

namespace {

void append_str_repr(std::string& out, std::string_view s) {
  const bool dq = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos;
  const char q = dq ? '"' : '\'';
  out += q;
  for (size_t i = 0; i < s.size();) {
    size_t run = i;  // plain printable ASCII is copied in one go
    while (run < s.size() && s[run] >= 0x20 && s[run] < 0x7F && s[run] != q && s[run] != '\\') ++run;
    if (run > i) {
      out.append(s.substr(i, run - i));
      i = run;
      continue;
    }
    const size_t start = i;
    const uint32_t cp = text::next_cp(s, i);
    if (cp == static_cast<uint32_t>(q) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD) {
      out += fmt::format("\\x{:02x}", cp);
    } else if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x200B && cp <= 0x200F) || cp == 0xFEFF) {
      out += fmt::format("\\u{:04x}", cp);
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  out += q;
}

void check_limit(const std::string& out, size_t limit) {
  if (out.size() > limit) fail("template output or string value exceeded {} bytes", limit);
}

template <typename Items>
void append_mapping(std::string& out, const Items& items, size_t limit) {
  out += '{';
  bool first = true;
  for (const auto& kv : items) {
    if (!first) out += ", ";
    first = false;
    append_str_repr(out, kv.first);
    out += ": ";
    append_repr(out, kv.second, limit);
    check_limit(out, limit);
  }
  out += '}';
}

}  // namespace

void append_str(std::string& out, const Value& v, size_t limit) {
  switch (v.kind()) {
    case Kind::Undefined: return;
    case Kind::None: out += "None"; return;
    case Kind::Bool: out += v.as_bool() ? "True" : "False"; return;
    case Kind::Int: out += std::to_string(v.as_int()); return;
    case Kind::Float: out += float_repr(v.as_float()); return;
    case Kind::String: out += v.str(); return;
    case Kind::List: {
      const bool tuple = v.list_data().tuple;
      out += tuple ? '(' : '[';
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i) out += ", ";
        append_repr(out, v.items()[i], limit);
        check_limit(out, limit);
      }
      if (tuple && v.items().size() == 1) out += ',';
      out += tuple ? ')' : ']';
      return;
    }
    case Kind::Dict: append_mapping(out, v.dict().items, limit); return;
    case Kind::Namespace:
      out += "<Namespace ";
      append_mapping(out, v.ns().items, limit);
      out += '>';
      return;
    case Kind::Callable: out += "<function " + v.fn().name + ">"; return;
    case Kind::Object: out += std::string("<") + v.obj()->type_name() + ">"; return;
  }
}

void append_repr(std::string& out, const Value& v, size_t limit) {
  if (v.is_string()) {
    append_str_repr(out, v.str());
  } else {
    append_str(out, v, limit);
  }
}

std::string to_str(const Value& v, size_t limit) {
  if (v.is_string()) return v.str();
  std::string out;
  append_str(out, v, limit);
  return out;
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is(Kind::Float) || b.is(Kind::Float)) return a.as_double() == b.as_double();
    const int64_t x = a.is(Kind::Bool) ? a.as_bool() : a.as_int();
    const int64_t y = b.is(Kind::Bool) ? b.as_bool() : b.as_int();
    return x == y;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::Undefined:
    case Kind::None: return true;
    case Kind::String: return a.str() == b.str();
    case Kind::List: {
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size() || a.list_data().tuple != b.list_data().tuple) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!equals(x[i], y[i])) return false;
      }
      return true;
    }
    case Kind::Dict: {
      const auto& x = a.dict();
      const auto& y = b.dict();
      if (x.items.size() != y.items.size()) return false;
      for (const auto& kv : x.items) {
        const Value* o = y.find(kv.first);
        if (!o || !equals(kv.second, *o)) return false;
      }
      return true;
    }
    case Kind::Namespace: return a.ns_ptr() == b.ns_ptr();
    case Kind::Callable: return &a.fn() == &b.fn();
    case Kind::Object: return a.obj() == b.obj();
    default: return false;
  }
}

int compare(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is(Kind::Float) || b.is(Kind::Float)) {
      const double x = a.as_double(), y = b.as_double();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    const int64_t x = a.is(Kind::Bool) ? a.as_bool() : a.as_int();
    const int64_t y = b.is(Kind::Bool) ? b.as_bool() : b.as_int();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.str().compare(b.str());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is(Kind::List) && b.is(Kind::List)) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals(x[i], y[i])) return compare(x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  fail("'<' not supported between instances of '{}' and '{}'", type_name(a), type_name(b));
}

namespace {

Value from_json_at(const nlohmann::ordered_json& j, uint32_t depth) {
  FRUGAL_CHECK(depth < kMaxValueDepth, "JSON input nested deeper than {} levels", kMaxValueDepth);
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::none();
    case nlohmann::ordered_json::value_t::boolean: return Value::boolean(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value::integer(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const auto u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value::integer(static_cast<int64_t>(u));
      return Value::number(static_cast<double>(u));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value::number(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value::string(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json_at(e, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      DictBuilder b;
      for (auto it = j.begin(); it != j.end(); ++it) b.set(it.key(), from_json_at(it.value(), depth + 1));
      return b.build();
    }
    default: fail("unsupported JSON value in template input");
  }
}

}  // namespace

Value from_json(const nlohmann::ordered_json& j) { return from_json_at(j, 0); }

}  // namespace frugal::jinja
