// Internal: the tree-walking evaluator, its scopes and budgets, and the builtin registries.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/jinja.h"
#include "chat/jinja_ast.h"
#include "chat/jinja_value.h"

namespace frugal::jinja {

struct Scope;
using ScopePtr = std::shared_ptr<Scope>;

// Variables of one frame (template, loop iteration, macro call); lookups walk to the parent.
struct Scope {
  ScopePtr parent;
  std::vector<std::pair<std::string, Value>> vars;
  KeyIndex index;
  const Value* find(std::string_view name) const;
  void set(std::string_view name, Value v);
};

struct CallArgs {
  std::vector<Value> pos;
  std::vector<std::pair<std::string, Value>> kw;
};

// Binds a builtin's arguments by position or keyword; missing ones are undefined.
class Args {
 public:
  Args(const CallArgs& a, std::string_view fname, std::initializer_list<std::string_view> names);
  const Value& operator[](size_t i) const { return v_[i]; }
  bool given(size_t i) const { return !v_[i].is_undefined(); }
  int64_t int_or(size_t i, int64_t dflt) const;
  bool bool_or(size_t i, bool dflt) const;
  std::string str_or(size_t i, std::string dflt) const;

 private:
  std::vector<Value> v_;
  std::string fname_;
};

enum class Flow { Normal, Break, Continue };

class Interp {
 public:
  explicit Interp(const RenderOptions& options) : opt_(options) {}

  std::string render(const Body& body, const nlohmann::ordered_json& context);

  // Budgets, for builtins that do work proportional to their data.
  void step(uint64_t units = 1);
  void check_string(size_t bytes) const;
  void check_list(size_t items) const;
  std::string str(const Value& v);  // Python str(), size-checked and charged
  void charge_for(const Value& v);   // steps proportional to a value's size
  const RenderLimits& limits() const { return opt_.limits; }
  const std::optional<std::time_t>& now() const { return opt_.now; }

  // Services shared by expressions and builtins.
  Value call(const Value& fn, CallArgs& args, std::string_view what);
  Value apply_filter(std::string_view name, const Value& v, CallArgs& args);
  bool apply_test(std::string_view name, const Value& v, CallArgs& args);
  Value getattr(const Value& obj, std::string_view name);
  Value getitem(const Value& obj, const Value& key);
  std::vector<Value> iterate(const Value& v);  // list items, dict keys, string characters

  Flow exec(const Body& body, const ScopePtr& scope, std::string& out);
  Value eval(const Expr& e, const ScopePtr& scope);

 private:
  struct DepthGuard;

  Flow exec_stmt(const Stmt& s, const ScopePtr& scope, std::string& out);
  Flow exec_for(const Stmt& s, const ScopePtr& scope, std::string& out);
  void exec_set(const Stmt& s, const ScopePtr& scope, Value v);
  Value make_macro(const Stmt& s, const ScopePtr& scope, std::string name);
  Value call_macro(const Stmt& s, const ScopePtr& defining, CallArgs& args, const std::string& name);
  void append_output(std::string& out, const Value& v);

  Value eval_name(const Expr& e, const ScopePtr& scope);
  Value eval_binary(const Expr& e, const ScopePtr& scope);
  Value eval_compare(const Expr& e, const ScopePtr& scope);
  Value eval_call(const Expr& e, const ScopePtr& scope);
  Value eval_filter(const Expr& e, const ScopePtr& scope, const Value* operand);
  Value eval_slice(const Expr& e, const ScopePtr& scope);
  void eval_args(const Expr& e, size_t first, const ScopePtr& scope, CallArgs& out);

  RenderOptions opt_;
  uint64_t steps_ = 0;
  uint64_t loop_iterations_ = 0;
  uint32_t call_depth_ = 0;
  uint32_t eval_depth_ = 0;
  uint32_t line_ = 0;  // line of the statement being executed, for error messages
};

// Counts evaluation frames; bounds the C++ stack whatever the template or its data do.
struct Interp::DepthGuard {
  explicit DepthGuard(Interp& in);
  ~DepthGuard() { --in_.eval_depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  Interp& in_;
};

// Builtin registries (jinja_filters*.cpp, jinja_tests.cpp, jinja_methods.cpp, jinja_globals.cpp).
using FilterFn = Value (*)(Interp&, const Value&, CallArgs&);
using TestFn = bool (*)(Interp&, const Value&, CallArgs&);
FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);
// Calls str/list/dict method `name` on `self`; false when there is no such method.
bool call_method(Interp& in, const Value& self, std::string_view name, CallArgs& args, Value& result);
bool has_method(const Value& self, std::string_view name);
void add_globals(Scope& root);

// Arithmetic and operators shared by expressions and filters (jinja_ops.cpp).
Value binary_op(Interp& in, Op op, const Value& a, const Value& b);
bool contains(Interp& in, const Value& container, const Value& item);
Value make_string(Interp& in, std::string s);  // checks the size budget
Value slice_value(Interp& in, const Value& v, const Value& start, const Value& stop, const Value& step);

}  // namespace frugal::jinja
