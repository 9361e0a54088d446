// Builtin filters on sequences: first, last, join, sort, unique, map, select(attr), batch, items ...
#include <algorithm>
#include <array>
#include <unordered_set>

#include "base/error.h"
#include "chat/jinja_builtins.h"
#include "chat/jinja_text.h"

namespace frugal::jinja {

namespace {

// Sort/unique key: the item or its attribute, lower-cased strings when case-insensitive.
Value key_of(Interp& in, const Value& item, const Value& attribute, bool case_sensitive) {
  Value k = attribute.is_undefined() || attribute.is_none() ? item : get_path(in, item, attribute);
  if (!case_sensitive && k.is_string()) return Value::string(text::lower(k.str()));
  return k;
}

Value f_first(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "first", {});
  if (v.is(Kind::List)) return v.items().empty() ? Value() : v.items().front();
  const auto items = in.iterate(v);
  return items.empty() ? Value() : items.front();
}

Value f_last(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "last", {});
  if (v.is(Kind::List)) return v.items().empty() ? Value() : v.items().back();
  const auto items = in.iterate(v);
  return items.empty() ? Value() : items.back();
}

Value f_join(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "join", {"d", "attribute"});
  const std::string sep = g.given(0) ? in.str(g[0]) : "";
  std::string out;
  bool first = true;
  for (const Value& item : in.iterate(v)) {
    if (!first) out += sep;
    first = false;
    append_str(out, g.given(1) ? get_path(in, item, g[1]) : item, in.limits().max_string_bytes);
    in.check_string(out.size());
  }
  return make_string(in, std::move(out));
}

Value f_list(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "list", {});
  if (v.is(Kind::List) && !v.list_data().tuple) return v;
  return make_list(in, in.iterate(v));
}

Value f_items(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "items", {});
  if (v.is_undefined()) return Value::list({});
  FRUGAL_CHECK(v.is(Kind::Dict), "items(): can only get the items of a mapping, not {}", type_name(v));
  std::vector<Value> out;
  for (const auto& kv : v.dict().items) out.push_back(Value::list({Value::string(kv.first), kv.second}, true));
  return make_list(in, std::move(out));
}

Value f_reverse(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "reverse", {});
  if (v.is_string()) {
    const std::string& s = v.str();
    std::string out;
    out.reserve(s.size());
    for (size_t i = s.size(); i > 0;) {
      const size_t end = i;
      text::prev_cp(s, i);
      out.append(s, i, end - i);
    }
    return make_string(in, std::move(out));
  }
  std::vector<Value> items = in.iterate(v);
  std::reverse(items.begin(), items.end());
  return make_list(in, std::move(items));
}

Value f_sort(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "sort", {"reverse", "case_sensitive", "attribute"});
  std::vector<Value> items = in.iterate(v);
  const bool reverse = g.bool_or(0, false), cs = g.bool_or(1, false);
  std::vector<std::pair<Value, size_t>> keyed;
  for (size_t i = 0; i < items.size(); ++i) keyed.emplace_back(key_of(in, items[i], g[2], cs), i);
  in.step(items.size() * 8);
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& x, const auto& y) {
    return reverse ? compare(y.first, x.first) < 0 : compare(x.first, y.first) < 0;
  });
  std::vector<Value> out;
  for (const auto& k : keyed) out.push_back(items[k.second]);
  return make_list(in, std::move(out));
}

// A hashable identity for unique(); Python raises for unhashable values.
std::string hash_key(const Value& k) {
  switch (k.kind()) {
    case Kind::String: return "s" + k.str();
    case Kind::Int:
    case Kind::Bool:
    case Kind::Float: {
      const double d = k.as_double();
      if (!k.is(Kind::Float) || (d == static_cast<double>(static_cast<int64_t>(d)))) {
        return "n" + std::to_string(k.is(Kind::Float) ? static_cast<int64_t>(d) : (k.is(Kind::Bool) ? k.as_bool() : k.as_int()));
      }
      return "f" + float_repr(d);
    }
    case Kind::None: return "N";
    case Kind::List:
      if (k.list_data().tuple) {
        std::string s = "t";
        for (const Value& x : k.items()) s += hash_key(x) + '\x1f';
        return s;
      }
      [[fallthrough]];
    default: fail("unhashable type: '{}'", type_name(k));
  }
}

Value f_unique(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "unique", {"case_sensitive", "attribute"});
  std::unordered_set<std::string> seen;
  std::vector<Value> out;
  for (const Value& item : in.iterate(v)) {
    if (seen.insert(hash_key(key_of(in, item, g[1], g.bool_or(0, false)))).second) out.push_back(item);
  }
  return make_list(in, std::move(out));
}

Value min_max(Interp& in, const Value& v, CallArgs& a, bool want_max) {
  Args g(a, want_max ? "max" : "min", {"case_sensitive", "attribute"});
  Value best, best_key;
  for (const Value& item : in.iterate(v)) {
    Value k = key_of(in, item, g[1], g.bool_or(0, false));
    if (best.is_undefined() || (want_max ? compare(k, best_key) > 0 : compare(k, best_key) < 0)) {
      best = item;
      best_key = std::move(k);
    }
  }
  return best;
}

Value f_min(Interp& in, const Value& v, CallArgs& a) { return min_max(in, v, a, false); }
Value f_max(Interp& in, const Value& v, CallArgs& a) { return min_max(in, v, a, true); }

Value f_sum(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "sum", {"attribute", "start"});
  Value total = g.given(1) ? g[1] : Value::integer(0);
  for (const Value& item : in.iterate(v)) total = binary_op(in, Op::Add, total, g.given(0) ? get_path(in, item, g[0]) : item);
  return total;
}

Value f_map(Interp& in, const Value& v, CallArgs& a) {
  std::vector<Value> out;
  if (a.pos.empty()) {
    Args g(a, "map", {"attribute", "default"});
    FRUGAL_CHECK(g.given(0), "map(): give a filter name or attribute=");
    for (const Value& item : in.iterate(v)) {
      Value r = get_path(in, item, g[0]);
      out.push_back(r.is_undefined() && g.given(1) ? g[1] : r);
    }
    return make_list(in, std::move(out));
  }
  FRUGAL_CHECK(a.pos[0].is_string(), "map(): the filter name must be a string");
  const std::string name = a.pos[0].str();
  CallArgs rest;
  rest.pos.assign(a.pos.begin() + 1, a.pos.end());
  rest.kw = a.kw;
  for (const Value& item : in.iterate(v)) {
    CallArgs copy = rest;
    out.push_back(in.apply_filter(name, item, copy));
  }
  return make_list(in, std::move(out));
}

// select/reject/selectattr/rejectattr: args are [attribute,] [test name, test args...].
Value select_impl(Interp& in, const Value& v, CallArgs& a, bool want, bool by_attr) {
  FRUGAL_CHECK(a.kw.empty(), "select filters take positional arguments only");
  size_t p = 0;
  Value attribute;
  if (by_attr) {
    FRUGAL_CHECK(!a.pos.empty(), "selectattr()/rejectattr() need an attribute name");
    attribute = a.pos[p++];
  }
  std::string test;
  if (p < a.pos.size()) {
    FRUGAL_CHECK(a.pos[p].is_string(), "the test name must be a string");
    test = a.pos[p++].str();
  }
  CallArgs targs;
  targs.pos.assign(a.pos.begin() + static_cast<ptrdiff_t>(p), a.pos.end());
  std::vector<Value> out;
  for (const Value& item : in.iterate(v)) {
    const Value x = by_attr ? get_path(in, item, attribute) : item;
    CallArgs copy = targs;
    const bool r = test.empty() ? truthy(x) : in.apply_test(test, x, copy);
    if (r == want) out.push_back(item);
  }
  return make_list(in, std::move(out));
}

Value f_select(Interp& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, true, false); }
Value f_reject(Interp& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, false, false); }
Value f_selectattr(Interp& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, true, true); }
Value f_rejectattr(Interp& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, false, true); }

Value f_batch(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "batch", {"linecount", "fill_with"});
  const int64_t n = g.int_or(0, 0);
  FRUGAL_CHECK(n > 0, "batch(): linecount must be positive");
  std::vector<Value> out, cur;
  for (const Value& item : in.iterate(v)) {
    cur.push_back(item);
    if (static_cast<int64_t>(cur.size()) == n) out.push_back(Value::list(std::move(cur))), cur.clear();
  }
  if (!cur.empty()) {
    while (g.given(1) && static_cast<int64_t>(cur.size()) < n) cur.push_back(g[1]);
    out.push_back(Value::list(std::move(cur)));
  }
  return make_list(in, std::move(out));
}

Value f_dictsort(Interp& in, const Value& v, CallArgs& a) {
  Args g(a, "dictsort", {"case_sensitive", "by", "reverse"});
  FRUGAL_CHECK(v.is(Kind::Dict), "dictsort(): a mapping is required, not {}", type_name(v));
  const std::string by = g.str_or(1, "key");
  FRUGAL_CHECK(by == "key" || by == "value", "dictsort(): by must be 'key' or 'value'");
  const bool cs = g.bool_or(0, false), reverse = g.bool_or(2, false);
  std::vector<std::pair<Value, Value>> keyed;
  for (const auto& kv : v.dict().items) {
    Value pair = Value::list({Value::string(kv.first), kv.second}, true);
    keyed.emplace_back(key_of(in, by == "key" ? Value::string(kv.first) : kv.second, Value(), cs), pair);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& x, const auto& y) {
    return reverse ? compare(y.first, x.first) < 0 : compare(x.first, y.first) < 0;
  });
  std::vector<Value> out;
  for (auto& k : keyed) out.push_back(std::move(k.second));
  return make_list(in, std::move(out));
}

constexpr std::array<FilterEntry, 18> kSeqFilters = {{
    {"batch", f_batch},
    {"dictsort", f_dictsort},
    {"first", f_first},
    {"items", f_items},
    {"join", f_join},
    {"last", f_last},
    {"list", f_list},
    {"map", f_map},
    {"max", f_max},
    {"min", f_min},
    {"reject", f_reject},
    {"rejectattr", f_rejectattr},
    {"reverse", f_reverse},
    {"select", f_select},
    {"selectattr", f_selectattr},
    {"sort", f_sort},
    {"sum", f_sum},
    {"unique", f_unique},
}};

}  // namespace

FilterFn find_seq_filter(std::string_view name) {
  for (const auto& e : kSeqFilters) {
    if (e.name == name) return e.fn;
  }
  return nullptr;
}

}  // namespace frugal::jinja
