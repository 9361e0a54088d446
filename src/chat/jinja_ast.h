// Abstract syntax tree of a parsed Jinja template: expressions and statements.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/jinja_value.h"

namespace frugal::jinja {

enum class ExprType : uint8_t {
  Const,     // value
  Name,      // name
  Tuple,     // args: items
  List,      // args: items
  Dict,      // args: key0, value0, key1, value1 ...
  Unary,     // op (Neg, Pos, Not), args[0]
  Binary,    // op (arithmetic, Concat), args[0], args[1]
  And,       // args[0], args[1]
  Or,        // args[0], args[1]
  Compare,   // args: operands, ops: one fewer comparison operators (chained like Python)
  CondExpr,  // args: test, then, else (else may be null)
  GetAttr,   // args[0] . name
  GetItem,   // args[0] [ args[1] ]
  Slice,     // args[0] [ args[1] : args[2] : args[3] ] (null parts omitted)
  Call,      // args[0] ( args[1..], kwargs )
  Filter,    // args[0] | name ( args[1..], kwargs ); args[0] null inside {% filter %}
  Test,      // args[0] is [not] name ( args[1..], kwargs )
};

enum class Op : uint8_t {
  None, Add, Sub, Mul, Div, FloorDiv, Mod, Pow, Concat, Neg, Pos, Not, Eq, Ne, Lt, Le, Gt, Ge, In, NotIn,
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprType type = ExprType::Const;
  Op op = Op::None;
  bool negated = false;  // Test: `is not`
  uint32_t line = 0, col = 0;
  uint32_t depth = 1;  // height of this subtree, bounded by the parser
  std::string name;
  Value value;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<Op> ops;  // Compare
};

enum class StmtType : uint8_t {
  Text,         // text
  Output,       // expr
  If,           // conds[i] -> bodies[i]; else_body
  For,          // targets in expr [if cond]: body; else_body
  Set,          // targets (or targets[0].attr) = expr
  SetBlock,     // targets = rendered body, piped through filter (may be null)
  Macro,        // name(params = defaults): body
  CallBlock,    // {% call(params) expr %} body
  FilterBlock,  // filter chain applied to rendered body
  With,         // targets = values: body
  Scope,        // plain nested body ({% generation %})
  Break,
  Continue,
};

struct Stmt;
using Body = std::vector<Stmt>;

struct Stmt {
  StmtType type = StmtType::Text;
  uint32_t line = 0, col = 0;
  std::string text;                  // Text; Macro name
  std::string attr;                  // Set: namespace attribute (targets[0] is the namespace)
  ExprPtr expr;                      // Output, For iterable, Set value, CallBlock call, FilterBlock/SetBlock filter
  ExprPtr cond;                      // For: inline filter
  std::vector<std::string> targets;  // For, Set, SetBlock, With
  bool unpack = false;               // For/Set target was a tuple (even of one name)
  std::vector<ExprPtr> conds;        // If; With: values
  std::vector<Body> bodies;          // If
  Body body, else_body;
  std::vector<std::string> params;   // Macro, CallBlock
  std::vector<ExprPtr> defaults;     // one per param, null when none
  bool uses_varargs = false, uses_kwargs = false, uses_caller = false;
};

}  // namespace frugal::jinja
