// Jinja evaluator, statements: output, if, for (with loop object), set, macros, call/filter blocks.
#include "chat/jinja_interp.h"

#include "base/error.h"
#include "chat/jinja_loop.h"
#include "chat/jinja_text.h"

namespace frugal::jinja {

const Value* Scope::find(std::string_view name) const {
  for (const Scope* s = this; s; s = s->parent.get()) {
    if (const Value* v = s->index.find(s->vars, name)) return v;
  }
  return nullptr;
}

void Scope::set(std::string_view name, Value v) {
  if (Value* slot = index.find(vars, name)) {
    *slot = std::move(v);
    return;
  }
  FRUGAL_CHECK(vars.size() < 100000, "too many template variables");
  vars.emplace_back(std::string(name), std::move(v));
  index.added(vars);
}

Interp::DepthGuard::DepthGuard(Interp& in) : in_(in) {
  if (++in_.eval_depth_ > in_.opt_.limits.max_eval_depth) {
    --in_.eval_depth_;
    fail("template exceeded the nesting limit of {} evaluation frames (runaway recursion?)",
         in_.opt_.limits.max_eval_depth);
  }
}

void Interp::step(uint64_t units) {
  steps_ += units;
  if (steps_ > opt_.limits.max_steps) fail("template exceeded {} evaluation steps", opt_.limits.max_steps);
}

void Interp::check_string(size_t bytes) const {
  if (bytes > opt_.limits.max_string_bytes) {
    fail("template output or string value exceeded {} bytes", opt_.limits.max_string_bytes);
  }
}

void Interp::charge_for(const Value& v) {
  switch (v.kind()) {
    case Kind::String: step(v.str().size() / 16); break;
    case Kind::List: step(v.items().size() / 8); break;
    case Kind::Dict: step(v.dict().items.size() / 8); break;
    default: break;
  }
}

std::string Interp::str(const Value& v) {
  std::string s = to_str(v, opt_.limits.max_string_bytes);
  step(s.size() / 64);
  return s;
}

void Interp::check_list(size_t items) const {
  if (items > opt_.limits.max_list_items) fail("template list exceeded {} items", opt_.limits.max_list_items);
}

std::string Interp::render(const Body& body, const nlohmann::ordered_json& context) {
  FRUGAL_CHECK(context.is_object(), "template context must be a JSON object");
  auto root = std::make_shared<Scope>();
  add_globals(*root);
  for (auto it = context.begin(); it != context.end(); ++it) root->set(it.key(), from_json(it.value()));
  auto top = std::make_shared<Scope>();
  top->parent = root;
  std::string out;
  try {
    exec(body, top, out);
  } catch (const Error& e) {
    throw Error(fmt::format("{} (template line {})", e.what(), line_));
  } catch (const std::bad_alloc&) {
    throw Error(fmt::format("out of memory while rendering the template (template line {})", line_));
  } catch (const std::exception& e) {  // a bug, reported as input error rather than a crash
    throw Error(fmt::format("template evaluation failed: {} (template line {})", e.what(), line_));
  }
  return out;
}

Flow Interp::exec(const Body& body, const ScopePtr& scope, std::string& out) {
  for (const Stmt& s : body) {
    const Flow f = exec_stmt(s, scope, out);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

void Interp::append_output(std::string& out, const Value& v) {
  append_str(out, v, opt_.limits.max_string_bytes);
  check_string(out.size());
}

namespace {

ScopePtr child_of(const ScopePtr& parent) {
  auto s = std::make_shared<Scope>();
  s->parent = parent;
  return s;
}

}  // namespace

Flow Interp::exec_stmt(const Stmt& s, const ScopePtr& scope, std::string& out) {
  DepthGuard guard(*this);
  step();
  line_ = s.line;
  switch (s.type) {
    case StmtType::Text:
      out += s.text;
      check_string(out.size());
      return Flow::Normal;
    case StmtType::Output: append_output(out, eval(*s.expr, scope)); return Flow::Normal;
    case StmtType::If:
      for (size_t i = 0; i < s.conds.size(); ++i) {
        if (truthy(eval(*s.conds[i], scope))) return exec(s.bodies[i], scope, out);
      }
      return exec(s.else_body, scope, out);
    case StmtType::For: return exec_for(s, scope, out);
    case StmtType::Set: exec_set(s, scope, eval(*s.expr, scope)); return Flow::Normal;
    case StmtType::SetBlock: {
      std::string buf;
      exec(s.body, child_of(scope), buf);
      Value v = make_string(*this, std::move(buf));
      if (s.expr) v = eval_filter(*s.expr, scope, &v);
      exec_set(s, scope, std::move(v));
      return Flow::Normal;
    }
    case StmtType::Macro: scope->set(s.text, make_macro(s, scope, s.text)); return Flow::Normal;
    case StmtType::CallBlock: {
      const Expr& call = *s.expr;
      const Value fn = eval(*call.args[0], scope);
      CallArgs args;
      eval_args(call, 1, scope, args);
      args.kw.emplace_back("caller", make_macro(s, scope, "caller"));
      append_output(out, this->call(fn, args, call.args[0]->type == ExprType::Name ? call.args[0]->name : "call"));
      return Flow::Normal;
    }
    case StmtType::FilterBlock: {
      std::string buf;
      exec(s.body, child_of(scope), buf);
      const Value v = make_string(*this, std::move(buf));
      append_output(out, eval_filter(*s.expr, scope, &v));
      return Flow::Normal;
    }
    case StmtType::With: {
      auto inner = child_of(scope);
      for (size_t i = 0; i < s.targets.size(); ++i) inner->set(s.targets[i], eval(*s.conds[i], scope));
      return exec(s.body, inner, out);
    }
    case StmtType::Scope: return exec(s.body, child_of(scope), out);
    case StmtType::Break: return Flow::Break;
    case StmtType::Continue: return Flow::Continue;
  }
  return Flow::Normal;
}

namespace {

void bind_targets(Scope& frame, const Stmt& s, const Value& item) {
  if (!s.unpack) {
    frame.set(s.targets[0], item);
    return;
  }
  FRUGAL_CHECK(item.is(Kind::List), "cannot unpack non-iterable {} object", type_name(item));
  const auto& parts = item.items();
  FRUGAL_CHECK(parts.size() == s.targets.size(), "{} values to unpack (expected {}, got {})",
               parts.size() > s.targets.size() ? "too many" : "not enough", s.targets.size(), parts.size());
  for (size_t i = 0; i < parts.size(); ++i) frame.set(s.targets[i], parts[i]);
}

}  // namespace

Flow Interp::exec_for(const Stmt& s, const ScopePtr& scope, std::string& out) {
  std::vector<Value> items = iterate(eval(*s.expr, scope));
  if (s.cond) {
    std::vector<Value> kept;
    for (Value& item : items) {
      if (++loop_iterations_ > opt_.limits.max_loop_iterations) {
        fail("template exceeded {} loop iterations", opt_.limits.max_loop_iterations);
      }
      auto frame = child_of(scope);
      bind_targets(*frame, s, item);
      if (truthy(eval(*s.cond, frame))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) return exec(s.else_body, child_of(scope), out);
  auto loop = std::make_shared<LoopObject>(std::move(items));
  const Value loop_value = Value::object(loop);
  for (size_t i = 0; i < loop->items.size(); ++i) {
    if (++loop_iterations_ > opt_.limits.max_loop_iterations) {
      fail("template exceeded {} loop iterations", opt_.limits.max_loop_iterations);
    }
    loop->index = i;
    auto frame = child_of(scope);
    bind_targets(*frame, s, loop->items[i]);
    frame->set("loop", loop_value);
    if (exec(s.body, frame, out) == Flow::Break) break;
  }
  return Flow::Normal;
}

void Interp::exec_set(const Stmt& s, const ScopePtr& scope, Value v) {
  if (!s.attr.empty()) {
    const Value* target = scope->find(s.targets[0]);
    FRUGAL_CHECK(target && target->is(Kind::Namespace), "cannot assign attribute '{}' on '{}': not a namespace",
                 s.attr, s.targets[0]);
    target->ns().set(s.attr, std::move(v));
    return;
  }
  if (!s.unpack) {
    scope->set(s.targets[0], std::move(v));
    return;
  }
  bind_targets(*scope, s, v);
}

Value Interp::make_macro(const Stmt& s, const ScopePtr& scope, std::string name) {
  // The macro lives in `scope`; holding it weakly avoids a reference cycle through the scope.
  std::weak_ptr<Scope> defining = scope;
  const Stmt* def = &s;
  return Value::callable(name, [def, defining, name](Interp& in, CallArgs& args) {
    ScopePtr d = defining.lock();
    FRUGAL_CHECK(d != nullptr, "macro '{}' called after its scope ended", name);
    return in.call_macro(*def, d, args, name);
  });
}

Value Interp::call_macro(const Stmt& s, const ScopePtr& defining, CallArgs& args, const std::string& name) {
  if (++call_depth_ > opt_.limits.max_call_depth) {
    --call_depth_;
    fail("template exceeded the macro call depth limit of {} (runaway recursion?)", opt_.limits.max_call_depth);
  }
  struct Unwind {
    uint32_t& d;
    ~Unwind() { --d; }
  } unwind{call_depth_};
  auto frame = child_of(defining);
  std::vector<bool> bound(s.params.size(), false);
  for (size_t i = 0; i < args.pos.size() && i < s.params.size(); ++i) {
    frame->set(s.params[i], args.pos[i]);
    bound[i] = true;
  }
  DictBuilder extra_kw;
  for (auto& kv : args.kw) {
    size_t k = 0;
    while (k < s.params.size() && s.params[k] != kv.first) ++k;
    if (k < s.params.size()) {
      FRUGAL_CHECK(!bound[k], "macro '{}' got multiple values for argument '{}'", name, kv.first);
      frame->set(kv.first, kv.second);
      bound[k] = true;
    } else if (kv.first == "caller") {
      frame->set("caller", kv.second);
    } else {
      FRUGAL_CHECK(s.uses_kwargs, "macro '{}' takes no keyword argument '{}'", name, kv.first);
      extra_kw.set(kv.first, kv.second);
    }
  }
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (!bound[i]) frame->set(s.params[i], s.defaults[i] ? eval(*s.defaults[i], frame) : Value());
  }
  if (args.pos.size() > s.params.size()) {
    FRUGAL_CHECK(s.uses_varargs, "macro '{}' takes not more than {} argument(s)", name, s.params.size());
  }
  if (s.uses_varargs) {
    std::vector<Value> rest;
    for (size_t i = s.params.size(); i < args.pos.size(); ++i) rest.push_back(args.pos[i]);
    frame->set("varargs", Value::list(std::move(rest), true));
  }
  if (s.uses_kwargs) frame->set("kwargs", extra_kw.build());
  std::string out;
  exec(s.body, frame, out);
  return make_string(*this, std::move(out));
}

}  // namespace frugal::jinja
