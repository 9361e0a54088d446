// Jinja evaluator, expressions: names, literals, operators, attribute/item access, calls, filters, tests.
#include "base/error.h"
#include "chat/jinja_interp.h"
#include "chat/jinja_text.h"

namespace frugal::jinja {

Value Interp::eval(const Expr& e, const ScopePtr& scope) {
  DepthGuard guard(*this);
  step();
  switch (e.type) {
    case ExprType::Const: return e.value;
    case ExprType::Name: return eval_name(e, scope);
    case ExprType::Tuple:
    case ExprType::List: {
      check_list(e.args.size());
      std::vector<Value> items;
      items.reserve(e.args.size());
      for (const auto& a : e.args) items.push_back(eval(*a, scope));
      return Value::list(std::move(items), e.type == ExprType::Tuple);
    }
    case ExprType::Dict: {
      DictBuilder b;
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        Value k = eval(*e.args[i], scope);
        FRUGAL_CHECK(k.is_string(), "dict keys must be strings in templates, got {}", type_name(k));
        b.set(k.str(), eval(*e.args[i + 1], scope));
      }
      return b.build();
    }
    case ExprType::Unary: {
      const Value v = eval(*e.args[0], scope);
      if (e.op == Op::Not) return Value::boolean(!truthy(v));
      if (v.is(Kind::Float)) return Value::number(e.op == Op::Neg ? -v.as_float() : v.as_float());
      FRUGAL_CHECK(v.is(Kind::Int) || v.is(Kind::Bool), "bad operand type for unary {}: '{}'",
                   e.op == Op::Neg ? "-" : "+", type_name(v));
      const int64_t i = v.is(Kind::Bool) ? v.as_bool() : v.as_int();
      FRUGAL_CHECK(!(e.op == Op::Neg && i == INT64_MIN), "integer overflow");
      return Value::integer(e.op == Op::Neg ? -i : i);
    }
    case ExprType::Binary: return eval_binary(e, scope);
    case ExprType::And: {
      Value l = eval(*e.args[0], scope);
      return truthy(l) ? eval(*e.args[1], scope) : l;
    }
    case ExprType::Or: {
      Value l = eval(*e.args[0], scope);
      return truthy(l) ? l : eval(*e.args[1], scope);
    }
    case ExprType::Compare: return eval_compare(e, scope);
    case ExprType::CondExpr:
      if (truthy(eval(*e.args[0], scope))) return eval(*e.args[1], scope);
      return e.args[2] ? eval(*e.args[2], scope) : Value();
    case ExprType::GetAttr: return getattr(eval(*e.args[0], scope), e.name);
    case ExprType::GetItem: {
      const Value obj = eval(*e.args[0], scope);
      return getitem(obj, eval(*e.args[1], scope));
    }
    case ExprType::Slice: return eval_slice(e, scope);
    case ExprType::Call: return eval_call(e, scope);
    case ExprType::Filter: return eval_filter(e, scope, nullptr);
    case ExprType::Test: {
      const Value v = eval(*e.args[0], scope);
      CallArgs args;
      eval_args(e, 1, scope, args);
      return Value::boolean(apply_test(e.name, v, args) != e.negated);
    }
  }
  return Value();
}

Value Interp::eval_name(const Expr& e, const ScopePtr& scope) {
  const Value* v = scope->find(e.name);
  return v ? *v : Value();
}

Value Interp::eval_binary(const Expr& e, const ScopePtr& scope) {
  const Value a = eval(*e.args[0], scope);
  const Value b = eval(*e.args[1], scope);
  if (e.op == Op::Concat) {
    std::string s = str(a);
    append_str(s, b, opt_.limits.max_string_bytes);
    return make_string(*this, std::move(s));
  }
  return binary_op(*this, e.op, a, b);
}

Value Interp::eval_compare(const Expr& e, const ScopePtr& scope) {
  Value left = eval(*e.args[0], scope);
  for (size_t k = 0; k < e.ops.size(); ++k) {
    Value right = eval(*e.args[k + 1], scope);
    charge_for(left);  // deep == and < walk their operands
    charge_for(right);
    bool ok = false;
    switch (e.ops[k]) {
      case Op::Eq: ok = equals(left, right); break;
      case Op::Ne: ok = !equals(left, right); break;
      case Op::Lt: ok = compare(left, right) < 0; break;
      case Op::Le: ok = compare(left, right) <= 0; break;
      case Op::Gt: ok = compare(left, right) > 0; break;
      case Op::Ge: ok = compare(left, right) >= 0; break;
      case Op::In: ok = contains(*this, right, left); break;
      case Op::NotIn: ok = !contains(*this, right, left); break;
      default: break;
    }
    if (!ok) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

void Interp::eval_args(const Expr& e, size_t first, const ScopePtr& scope, CallArgs& out) {
  for (size_t i = first; i < e.args.size(); ++i) out.pos.push_back(eval(*e.args[i], scope));
  for (const auto& kv : e.kwargs) out.kw.emplace_back(kv.first, eval(*kv.second, scope));
}

Value Interp::eval_call(const Expr& e, const ScopePtr& scope) {
  const Expr& callee = *e.args[0];
  if (callee.type == ExprType::GetAttr) {
    const Value obj = eval(*callee.args[0], scope);
    CallArgs args;
    eval_args(e, 1, scope, args);
    // A dict key holding a callable wins; otherwise str/list/dict methods (`d.items()` even when
    // d has an "items" key, as in Python).
    const Value* key = obj.is(Kind::Dict) ? obj.dict().find(callee.name) : nullptr;
    if (key && key->is(Kind::Callable)) return call(*key, args, callee.name);
    Value result;
    if (call_method(*this, obj, callee.name, args, result)) return result;
    const Value fn = getattr(obj, callee.name);
    if (fn.is_undefined()) fail("'{}' object has no attribute '{}'", type_name(obj), callee.name);
    return call(fn, args, callee.name);
  }
  const Value fn = eval(callee, scope);
  CallArgs args;
  eval_args(e, 1, scope, args);
  if (fn.is_undefined()) {
    if (callee.type == ExprType::Name) fail("'{}' is undefined", callee.name);
    fail("cannot call an undefined value");
  }
  return call(fn, args, callee.type == ExprType::Name ? callee.name : "value");
}

Value Interp::call(const Value& fn, CallArgs& args, std::string_view what) {
  FRUGAL_CHECK(fn.is(Kind::Callable), "'{}' is not callable ({} object)", what, type_name(fn));
  return fn.fn().fn(*this, args);
}

Value Interp::eval_filter(const Expr& e, const ScopePtr& scope, const Value* operand) {
  Value v;
  if (!e.args[0]) {
    v = *operand;
  } else if (operand) {
    v = eval_filter(*e.args[0], scope, operand);  // {% filter a|b %}: the chain below ends in the block
  } else {
    v = eval(*e.args[0], scope);
  }
  CallArgs args;
  eval_args(e, 1, scope, args);
  return apply_filter(e.name, v, args);
}

Value Interp::apply_filter(std::string_view name, const Value& v, CallArgs& args) {
  const FilterFn f = find_filter(name);
  FRUGAL_CHECK(f != nullptr, "no filter named '{}'", name);
  charge_for(v);
  return f(*this, v, args);
}

bool Interp::apply_test(std::string_view name, const Value& v, CallArgs& args) {
  const TestFn t = find_test(name);
  FRUGAL_CHECK(t != nullptr, "no test named '{}'", name);
  return t(*this, v, args);
}

Value Interp::eval_slice(const Expr& e, const ScopePtr& scope) {
  const Value obj = eval(*e.args[0], scope);
  Value parts[3];
  for (int k = 0; k < 3; ++k) {
    if (e.args[static_cast<size_t>(k) + 1]) parts[k] = eval(*e.args[static_cast<size_t>(k) + 1], scope);
  }
  return slice_value(*this, obj, parts[0], parts[1], parts[2]);
}

Value Interp::getattr(const Value& obj, std::string_view name) {
  switch (obj.kind()) {
    case Kind::Dict:
      if (const Value* v = obj.dict().find(name)) return *v;
      break;
    case Kind::Namespace:
      if (const Value* v = obj.ns().find(name)) return *v;
      return Value();
    case Kind::Object: return obj.obj()->attr(name, obj.obj());
    case Kind::String:
    case Kind::List: break;
    default: return Value();  // lenient: attributes of undefined/none/numbers are undefined
  }
  if (!has_method(obj, name)) return Value();
  std::string method(name);
  return Value::callable(method, [obj, method](Interp& in, CallArgs& args) {
    Value result;
    call_method(in, obj, method, args, result);
    return result;
  });
}

Value Interp::getitem(const Value& obj, const Value& key) {
  if (key.is_string()) return getattr(obj, key.str());
  if (!(key.is(Kind::Int) || key.is(Kind::Bool))) return Value();
  const int64_t k = key.is(Kind::Bool) ? key.as_bool() : key.as_int();
  if (obj.is(Kind::List)) {
    const auto n = static_cast<int64_t>(obj.items().size());
    const int64_t i = k < 0 ? k + n : k;
    return (i >= 0 && i < n) ? obj.items()[static_cast<size_t>(i)] : Value();
  }
  if (obj.is_string()) {
    const std::string& s = obj.str();
    if (text::is_ascii(s)) {
      const auto n = static_cast<int64_t>(s.size());
      const int64_t i = k < 0 ? k + n : k;
      return (i >= 0 && i < n) ? Value::string(std::string(1, s[static_cast<size_t>(i)])) : Value();
    }
    charge_for(obj);
    const auto n = static_cast<int64_t>(text::cp_count(s));
    const int64_t i = k < 0 ? k + n : k;
    if (i < 0 || i >= n) return Value();
    const size_t from = text::cp_to_byte(s, static_cast<size_t>(i));
    if (from >= s.size()) return Value();
    size_t to = from;
    text::next_cp(s, to);
    return Value::string(s.substr(from, to - from));
  }
  return Value();
}

std::vector<Value> Interp::iterate(const Value& v) {
  std::vector<Value> out;
  switch (v.kind()) {
    case Kind::Undefined: return out;
    case Kind::List: step(v.items().size() / 8); return v.items();
    case Kind::Dict:
      step(v.dict().items.size() / 8);
      for (const auto& kv : v.dict().items) out.push_back(Value::string(kv.first));
      return out;
    case Kind::String: {
      const std::string& s = v.str();
      check_list(text::cp_count(s));
      step(s.size() / 8);
      for (size_t i = 0; i < s.size();) {
        const size_t start = i;
        text::next_cp(s, i);
        out.push_back(Value::string(s.substr(start, i - start)));
      }
      return out;
    }
    default: fail("'{}' object is not iterable", type_name(v));
  }
}

}  // namespace frugal::jinja
