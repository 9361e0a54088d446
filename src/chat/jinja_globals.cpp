// Global functions available to templates: range, namespace, dict, raise_exception, strftime_now,
// cycler, joiner.
#include <ctime>

#include "base/error.h"
#include "chat/jinja_builtins.h"

namespace frugal::jinja {

namespace {

int64_t int_arg(const Value& v, const char* what) {
  FRUGAL_CHECK(v.is(Kind::Int) || v.is(Kind::Bool), "{} must be an integer, got {}", what, type_name(v));
  return v.is(Kind::Bool) ? v.as_bool() : v.as_int();
}

Value g_range(Interp& in, CallArgs& a) {
  FRUGAL_CHECK(a.kw.empty() && !a.pos.empty() && a.pos.size() <= 3, "range() takes 1 to 3 integer arguments");
  int64_t start = 0, stop = 0, step = 1;
  if (a.pos.size() == 1) {
    stop = int_arg(a.pos[0], "range() argument");
  } else {
    start = int_arg(a.pos[0], "range() start");
    stop = int_arg(a.pos[1], "range() stop");
    if (a.pos.size() == 3) step = int_arg(a.pos[2], "range() step");
  }
  FRUGAL_CHECK(step != 0, "range() step must not be zero");
  const __int128 span = step > 0 ? static_cast<__int128>(stop) - start : static_cast<__int128>(start) - stop;
  const __int128 mag = step > 0 ? step : -static_cast<__int128>(step);
  const __int128 n = span <= 0 ? 0 : (span + mag - 1) / mag;
  const uint64_t max = in.limits().max_range;
  if (n > static_cast<__int128>(max)) {
    fail("range() of {} items exceeds the limit of {}", static_cast<long long>(std::min<__int128>(n, INT64_MAX)), max);
  }
  std::vector<Value> out;
  out.reserve(static_cast<size_t>(n));
  for (__int128 i = 0; i < n; ++i) out.push_back(Value::integer(static_cast<int64_t>(start + i * step)));
  return make_list(in, std::move(out));
}

// dict()/namespace() arguments: an optional mapping or list of pairs, then keywords.
std::vector<std::pair<std::string, Value>> mapping_args(Interp& in, const CallArgs& a, const char* fname) {
  FRUGAL_CHECK(a.pos.size() <= 1, "{}() takes at most 1 positional argument", fname);
  DictBuilder b;
  if (!a.pos.empty()) {
    const Value& src = a.pos[0];
    if (src.is(Kind::Dict)) {
      for (const auto& kv : src.dict().items) b.set(kv.first, kv.second);
    } else {
      for (const Value& pair : in.iterate(src)) {
        FRUGAL_CHECK(pair.is(Kind::List) && pair.items().size() == 2 && pair.items()[0].is_string(),
                     "{}(): expected a mapping or (key, value) pairs with string keys", fname);
        b.set(pair.items()[0].str(), pair.items()[1]);
      }
    }
  }
  for (const auto& kv : a.kw) b.set(kv.first, kv.second);
  const Value d = b.build();
  return d.dict().items;
}

Value g_namespace(Interp& in, CallArgs& a) {
  auto ns = std::make_shared<NamespaceData>();
  for (auto& kv : mapping_args(in, a, "namespace")) ns->set(kv.first, std::move(kv.second));
  return Value::ns(std::move(ns));
}

Value g_dict(Interp& in, CallArgs& a) { return Value::dict(mapping_args(in, a, "dict")); }

Value g_raise(Interp&, CallArgs& a) {
  const std::string msg = a.pos.empty() ? std::string() : to_str(a.pos[0], 1 << 20);
  fail("template raised an exception: {}", msg);
}

Value g_strftime_now(Interp& in, CallArgs& a) {
  Args g(a, "strftime_now", {"format"});
  const std::string fmt = g.str_or(0, "");
  FRUGAL_CHECK(fmt.size() <= 256, "strftime_now(): format string too long");
  std::tm tm{};
  if (in.now()) {
    const std::time_t t = *in.now();
    gmtime_r(&t, &tm);
  } else {
    const std::time_t t = std::time(nullptr);
    localtime_r(&t, &tm);
  }
  char buf[4096];
  const size_t n = fmt.empty() ? 0 : std::strftime(buf, sizeof buf, fmt.c_str(), &tm);
  return Value::string(std::string(buf, n));
}

class CyclerObject : public Object {
 public:
  explicit CyclerObject(std::vector<Value> items) : items_(std::move(items)) {}
  const char* type_name() const override { return "Cycler"; }
  Value attr(std::string_view name, const std::shared_ptr<Object>& self) override {
    if (name == "current") return items_[pos_];
    if (name != "next" && name != "reset") return Value();
    std::weak_ptr<Object> weak = self;
    const bool next = name == "next";
    return Value::callable(std::string(name), [weak, next](Interp&, CallArgs&) {
      const auto strong = weak.lock();
      FRUGAL_CHECK(strong != nullptr, "cycler used after it was released");
      auto& c = static_cast<CyclerObject&>(*strong);
      if (!next) {
        c.pos_ = 0;
        return Value::none();
      }
      Value v = c.items_[c.pos_];
      c.pos_ = (c.pos_ + 1) % c.items_.size();
      return v;
    });
  }

 private:
  std::vector<Value> items_;
  size_t pos_ = 0;
};

Value g_cycler(Interp&, CallArgs& a) {
  FRUGAL_CHECK(!a.pos.empty() && a.kw.empty(), "cycler() needs at least one item");
  return Value::object(std::make_shared<CyclerObject>(a.pos));
}

Value g_joiner(Interp&, CallArgs& a) {
  Args g(a, "joiner", {"sep"});
  const Value sep = g.given(0) ? Value::string(to_str(g[0], 1 << 20)) : Value::string(", ");
  auto used = std::make_shared<bool>(false);
  return Value::callable("joiner", [sep, used](Interp&, CallArgs&) {
    if (!*used) {
      *used = true;
      return Value::string(std::string());
    }
    return sep;
  });
}

}  // namespace

void add_globals(Scope& root) {
  root.set("range", Value::callable("range", g_range));
  root.set("namespace", Value::callable("namespace", g_namespace));
  root.set("dict", Value::callable("dict", g_dict));
  root.set("raise_exception", Value::callable("raise_exception", g_raise));
  root.set("strftime_now", Value::callable("strftime_now", g_strftime_now));
  root.set("cycler", Value::callable("cycler", g_cycler));
  root.set("joiner", Value::callable("joiner", g_joiner));
}

}  // namespace frugal::jinja
