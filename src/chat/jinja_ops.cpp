// Jinja operators with Python semantics: arithmetic, repetition, membership, slicing.
#include <cmath>
#include <optional>

#include "base/error.h"
#include "chat/jinja_interp.h"
#include "chat/jinja_text.h"

namespace frugal::jinja {

Value make_string(Interp& in, std::string s) {
  in.check_string(s.size());
  in.step(s.size() / 256);  // copying is cheap; walking text is charged at 1/64 elsewhere
  return Value::string(std::move(s));
}

namespace {

int64_t as_i64(const Value& v) { return v.is(Kind::Bool) ? v.as_bool() : v.as_int(); }
bool is_intlike(const Value& v) { return v.is(Kind::Int) || v.is(Kind::Bool); }

[[noreturn]] void unsupported(const char* op, const Value& a, const Value& b) {
  fail("unsupported operand type(s) for {}: '{}' and '{}'", op, type_name(a), type_name(b));
}

Value repeat(Interp& in, const Value& seq, int64_t n) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const std::string& s = seq.str();
    const auto count = static_cast<uint64_t>(n);
    if (!s.empty() && count > in.limits().max_string_bytes / s.size()) in.check_string(SIZE_MAX);
    std::string out;
    out.reserve(s.size() * count);
    for (uint64_t i = 0; i < count; ++i) out += s;
    return make_string(in, std::move(out));
  }
  const auto& items = seq.items();
  const auto count = static_cast<uint64_t>(n);
  if (!items.empty() && count > in.limits().max_list_items / items.size()) in.check_list(SIZE_MAX);
  std::vector<Value> out;
  out.reserve(items.size() * count);
  for (uint64_t i = 0; i < count; ++i) out.insert(out.end(), items.begin(), items.end());
  in.step(out.size());
  return Value::list(std::move(out));
}

Value int_pow(int64_t base, int64_t exp) {
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) FRUGAL_CHECK(!__builtin_mul_overflow(result, base, &result), "integer overflow in **");
    exp >>= 1;
    if (exp > 0) FRUGAL_CHECK(!__builtin_mul_overflow(base, base, &base), "integer overflow in **");
  }
  return Value::integer(result);
}

Value arith(Op op, const Value& a, const Value& b) {
  const bool ints = is_intlike(a) && is_intlike(b);
  if (ints) {
    const int64_t x = as_i64(a), y = as_i64(b);
    int64_t r = 0;
    switch (op) {
      case Op::Add: FRUGAL_CHECK(!__builtin_add_overflow(x, y, &r), "integer overflow"); return Value::integer(r);
      case Op::Sub: FRUGAL_CHECK(!__builtin_sub_overflow(x, y, &r), "integer overflow"); return Value::integer(r);
      case Op::Mul: FRUGAL_CHECK(!__builtin_mul_overflow(x, y, &r), "integer overflow"); return Value::integer(r);
      case Op::FloorDiv:
      case Op::Mod: {
        FRUGAL_CHECK(y != 0, "integer division or modulo by zero");
        FRUGAL_CHECK(!(x == INT64_MIN && y == -1), "integer overflow");
        int64_t q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) --q, m += y;
        return Value::integer(op == Op::FloorDiv ? q : m);
      }
      case Op::Pow:
        if (y >= 0) return int_pow(x, y);
        FRUGAL_CHECK(x != 0, "0.0 cannot be raised to a negative power");
        return Value::number(std::pow(static_cast<double>(x), static_cast<double>(y)));
      default: break;
    }
  }
  const double x = a.as_double(), y = b.as_double();
  switch (op) {
    case Op::Add: return Value::number(x + y);
    case Op::Sub: return Value::number(x - y);
    case Op::Mul: return Value::number(x * y);
    case Op::Div: FRUGAL_CHECK(y != 0, "division by zero"); return Value::number(x / y);
    case Op::FloorDiv: FRUGAL_CHECK(y != 0, "float floor division by zero"); return Value::number(std::floor(x / y));
    case Op::Mod: {
      FRUGAL_CHECK(y != 0, "float modulo by zero");
      double m = std::fmod(x, y);
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return Value::number(m);
    }
    case Op::Pow: {
      FRUGAL_CHECK(!(x == 0 && y < 0), "0.0 cannot be raised to a negative power");
      const double r = std::pow(x, y);
      FRUGAL_CHECK(!std::isnan(r) || std::isnan(x) || std::isnan(y), "math domain error in **");
      return Value::number(r);
    }
    default: break;
  }
  fail("unsupported numeric operator");
}

const char* op_symbol(Op op) {
  switch (op) {
    case Op::Add: return "+";
    case Op::Sub: return "-";
    case Op::Mul: return "*";
    case Op::Div: return "/";
    case Op::FloorDiv: return "//";
    case Op::Mod: return "%";
    case Op::Pow: return "**";
    default: return "?";
  }
}

}  // namespace

Value binary_op(Interp& in, Op op, const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return arith(op, a, b);
  if (op == Op::Add) {
    if (a.is_string() && b.is_string()) return make_string(in, a.str() + b.str());
    if (a.is(Kind::List) && b.is(Kind::List)) {
      in.check_list(a.items().size() + b.items().size());
      std::vector<Value> out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      in.step(out.size());
      return Value::list(std::move(out), a.list_data().tuple && b.list_data().tuple);
    }
  }
  if (op == Op::Mul) {
    if ((a.is_string() || a.is(Kind::List)) && is_intlike(b)) return repeat(in, a, as_i64(b));
    if ((b.is_string() || b.is(Kind::List)) && is_intlike(a)) return repeat(in, b, as_i64(a));
  }
  if (op == Op::Mod && a.is_string()) {  // printf-style formatting, through the |format filter
    CallArgs args;
    if (b.is(Kind::List) && b.list_data().tuple) {
      args.pos = b.items();
    } else {
      args.pos.push_back(b);
    }
    return find_filter("format")(in, a, args);
  }
  if (a.is_undefined() || b.is_undefined()) {
    fail("cannot apply '{}' to an undefined value", op_symbol(op));
  }
  unsupported(op_symbol(op), a, b);
}

bool contains(Interp& in, const Value& container, const Value& item) {
  switch (container.kind()) {
    case Kind::String:
      FRUGAL_CHECK(item.is_string(), "'in <string>' requires string as left operand, not {}", type_name(item));
      in.step(container.str().size() / 64);
      return container.str().find(item.str()) != std::string::npos;
    case Kind::List:
      in.step(container.items().size());
      for (const Value& v : container.items()) {
        if (equals(v, item)) return true;
      }
      return false;
    case Kind::Dict: return item.is_string() && container.dict().find(item.str()) != nullptr;
    case Kind::Namespace: return item.is_string() && container.ns().find(item.str()) != nullptr;
    case Kind::Undefined: return false;
    default: fail("argument of type '{}' is not iterable", type_name(container));
  }
}

namespace {

// Python's slice.indices(): clamps start/stop for a sequence of length n.
void slice_indices(int64_t n, const Value& start, const Value& stop, const Value& step_v, int64_t& b, int64_t& e,
                   int64_t& st) {
  auto get = [](const Value& v, const char* what) -> std::optional<int64_t> {
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    FRUGAL_CHECK(is_intlike(v), "slice {} must be an integer or none, got {}", what, type_name(v));
    return as_i64(v);
  };
  st = get(step_v, "step").value_or(1);
  FRUGAL_CHECK(st != 0, "slice step cannot be zero");
  auto clamp = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v;
    if (x < 0) {
      x += n;
      if (x < 0) x = st < 0 ? -1 : 0;
    } else if (x >= n) {
      x = st < 0 ? n - 1 : n;
    }
    return x;
  };
  b = clamp(get(start, "start"), st < 0 ? n - 1 : 0);
  e = clamp(get(stop, "stop"), st < 0 ? -1 : n);
}

}  // namespace

Value slice_value(Interp& in, const Value& v, const Value& start, const Value& stop, const Value& step) {
  int64_t b = 0, e = 0, st = 1;
  if (v.is(Kind::List)) {
    const auto& items = v.items();
    slice_indices(static_cast<int64_t>(items.size()), start, stop, step, b, e, st);
    std::vector<Value> out;
    for (int64_t i = b; st > 0 ? i < e : i > e; i += st) out.push_back(items[static_cast<size_t>(i)]);
    in.step(out.size());
    return Value::list(std::move(out), v.list_data().tuple);
  }
  if (v.is_string()) {
    const std::string& s = v.str();
    in.charge_for(v);
    const bool ascii = text::is_ascii(s);
    slice_indices(static_cast<int64_t>(ascii ? s.size() : text::cp_count(s)), start, stop, step, b, e, st);
    if (st == 1) {  // the common case: no offset table
      if (e <= b) return Value::string(std::string());
      const size_t from = text::cp_to_byte(s, static_cast<size_t>(b));
      const size_t to = from + text::cp_to_byte(std::string_view(s).substr(from), static_cast<size_t>(e - b));
      return make_string(in, s.substr(from, to - from));
    }
    // Other steps walk the code points from `b`, keeping every st-th one.
    std::string out;
    size_t pos = text::cp_to_byte(s, static_cast<size_t>(b));
    for (int64_t i = b; st > 0 ? i < e : i > e; i += st) {
      size_t next = pos;
      text::next_cp(s, next);
      out.append(s, pos, next - pos);
      for (int64_t k = 0; k < (st > 0 ? st : -st); ++k) {
        if (st > 0 && pos < s.size()) text::next_cp(s, pos);
        if (st < 0 && pos > 0) text::prev_cp(s, pos);
      }
    }
    return make_string(in, std::move(out));
  }
  if (v.is_undefined()) return Value();
  fail("'{}' object is not subscriptable", type_name(v));
}

}  // namespace frugal::jinja
