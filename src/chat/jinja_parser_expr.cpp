// Jinja parser, expressions: Jinja2's precedence from conditional expressions down to literals.
#include <cerrno>
#include <cstdlib>

#include "chat/jinja_parser_impl.h"

namespace frugal::jinja {

void Parser::expect(Tok type, const char* what) {
  if (cur().type != type) {
    const std::string got = cur().type == Tok::End ? "end of template" : "'" + cur().value + "'";
    error(cur(), std::string("expected ") + what + ", got " + got);
  }
  ++i_;
}

void Parser::expect_op(std::string_view op) {
  if (!is_op(op)) {
    const std::string got = cur().type == Tok::End ? "end of template" : "'" + cur().value + "'";
    error(cur(), "expected '" + std::string(op) + "', got " + got);
  }
  ++i_;
}

std::string Parser::expect_name() {
  if (cur().type != Tok::Name) {
    const std::string got = cur().type == Tok::End ? "end of template" : "'" + cur().value + "'";
    error(cur(), "expected a name, got " + got);
  }
  return t_[i_++].value;
}

void Parser::finish(Expr& e) {
  uint32_t h = 0;
  for (const auto& a : e.args) {
    if (a) h = std::max(h, a->depth);
  }
  for (const auto& kv : e.kwargs) h = std::max(h, kv.second->depth);
  e.depth = h + 1;
  if (e.depth > limits_.max_expr_depth) {
    syntax_error(e.line, e.col, "expression nested too deeply (limit " + std::to_string(limits_.max_expr_depth) + ")");
  }
}

ExprPtr Parser::node(ExprType type, const Token& at, std::vector<ExprPtr> args, Op op) {
  auto e = std::make_unique<Expr>();
  e->type = type;
  e->op = op;
  e->line = at.line;
  e->col = at.col;
  e->args = std::move(args);
  finish(*e);
  return e;
}

ExprPtr Parser::parse_tuple(bool with_condexpr, std::initializer_list<std::string_view> end_names,
                            bool explicit_parens) {
  const Token& at = cur();
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  auto at_end = [&] {
    if (cur().type == Tok::VarEnd || cur().type == Tok::BlockEnd || is_op(")")) return true;
    for (std::string_view n : end_names) {
      if (is_name(n)) return true;
    }
    return false;
  };
  while (true) {
    if (!items.empty()) expect_op(",");
    if (at_end()) break;
    items.push_back(with_condexpr ? parse_expression(true) : parse_or());
    if (!is_op(",")) break;
    is_tuple = true;
  }
  if (items.empty() && !explicit_parens) {
    error(cur(), "expected an expression, got " + (cur().type == Tok::End ? std::string("end of template") : "'" + cur().value + "'"));
  }
  if (!is_tuple && !items.empty()) return std::move(items[0]);
  return node(ExprType::Tuple, at, std::move(items));
}

ExprPtr Parser::parse_expression(bool with_condexpr) { return with_condexpr ? parse_condexpr() : parse_or(); }

ExprPtr Parser::parse_condexpr() {
  DepthGuard guard(*this, expr_depth_, limits_.max_expr_depth, "expression nested");
  ExprPtr expr = parse_or();
  while (is_name("if")) {
    const Token& at = cur();
    ++i_;
    std::vector<ExprPtr> args;
    args.push_back(parse_or());
    args.push_back(std::move(expr));
    if (is_name("else")) {
      ++i_;
      args.push_back(parse_condexpr());
    } else {
      args.push_back(nullptr);
    }
    expr = node(ExprType::CondExpr, at, std::move(args));
  }
  return expr;
}

ExprPtr Parser::parse_or() {
  ExprPtr left = parse_and();
  while (is_name("or")) {
    const Token& at = cur();
    ++i_;
    std::vector<ExprPtr> args;
    args.push_back(std::move(left));
    args.push_back(parse_and());
    left = node(ExprType::Or, at, std::move(args));
  }
  return left;
}

ExprPtr Parser::parse_and() {
  ExprPtr left = parse_not();
  while (is_name("and")) {
    const Token& at = cur();
    ++i_;
    std::vector<ExprPtr> args;
    args.push_back(std::move(left));
    args.push_back(parse_not());
    left = node(ExprType::And, at, std::move(args));
  }
  return left;
}

ExprPtr Parser::parse_not() {
  if (!is_name("not")) return parse_compare();
  DepthGuard guard(*this, expr_depth_, limits_.max_expr_depth, "expression nested");
  const Token& at = cur();
  ++i_;
  std::vector<ExprPtr> args;
  args.push_back(parse_not());
  return node(ExprType::Unary, at, std::move(args), Op::Not);
}

ExprPtr Parser::parse_compare() {
  const Token& at = cur();
  std::vector<ExprPtr> operands;
  operands.push_back(parse_math1());
  std::vector<Op> ops;
  while (true) {
    Op op = Op::None;
    if (cur().type == Tok::Op) {
      const std::string& v = cur().value;
      op = v == "==" ? Op::Eq : v == "!=" ? Op::Ne : v == "<" ? Op::Lt : v == "<=" ? Op::Le : v == ">" ? Op::Gt
           : v == ">=" ? Op::Ge : Op::None;
      if (op != Op::None) ++i_;
    } else if (is_name("in")) {
      op = Op::In;
      ++i_;
    } else if (is_name("not") && peek(1).type == Tok::Name && peek(1).value == "in") {
      op = Op::NotIn;
      i_ += 2;
    }
    if (op == Op::None) break;
    ops.push_back(op);
    operands.push_back(parse_math1());
  }
  if (ops.empty()) return std::move(operands[0]);
  ExprPtr e = node(ExprType::Compare, at, std::move(operands));
  e->ops = std::move(ops);
  return e;
}

ExprPtr Parser::parse_math1() {
  ExprPtr left = parse_concat();
  while (is_op("+") || is_op("-")) {
    const Token& at = cur();
    const Op op = at.value == "+" ? Op::Add : Op::Sub;
    ++i_;
    std::vector<ExprPtr> args;
    args.push_back(std::move(left));
    args.push_back(parse_concat());
    left = node(ExprType::Binary, at, std::move(args), op);
  }
  return left;
}

ExprPtr Parser::parse_concat() {
  ExprPtr left = parse_math2();
  while (is_op("~")) {
    const Token& at = cur();
    ++i_;
    std::vector<ExprPtr> args;
    args.push_back(std::move(left));
    args.push_back(parse_math2());
    left = node(ExprType::Binary, at, std::move(args), Op::Concat);
  }
  return left;
}

ExprPtr Parser::parse_math2() {
  ExprPtr left = parse_pow();
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    const Token& at = cur();
    const Op op = at.value == "*" ? Op::Mul : at.value == "/" ? Op::Div : at.value == "//" ? Op::FloorDiv : Op::Mod;
    ++i_;
    std::vector<ExprPtr> args;
    args.push_back(std::move(left));
    args.push_back(parse_pow());
    left = node(ExprType::Binary, at, std::move(args), op);
  }
  return left;
}

ExprPtr Parser::parse_pow() {
  ExprPtr left = parse_unary(true);
  while (is_op("**")) {
    const Token& at = cur();
    ++i_;
    std::vector<ExprPtr> args;
    args.push_back(std::move(left));
    args.push_back(parse_unary(true));
    left = node(ExprType::Binary, at, std::move(args), Op::Pow);
  }
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
  DepthGuard guard(*this, expr_depth_, limits_.max_expr_depth, "expression nested");
  const Token& at = cur();
  ExprPtr e;
  if (is_op("-") || is_op("+")) {
    const Op op = at.value == "-" ? Op::Neg : Op::Pos;
    ++i_;
    ExprPtr operand = parse_unary(false);
    if (operand->type == ExprType::Const && (operand->value.is(Kind::Int) || operand->value.is(Kind::Float)) &&
        !(op == Op::Neg && operand->value.is(Kind::Int) && operand->value.as_int() == INT64_MIN)) {
      e = std::move(operand);  // fold -1 and +1 into constants
      if (op == Op::Neg) {
        e->value = e->value.is(Kind::Int) ? Value::integer(-e->value.as_int()) : Value::number(-e->value.as_float());
      }
    } else {
      std::vector<ExprPtr> args;
      args.push_back(std::move(operand));
      e = node(ExprType::Unary, at, std::move(args), op);
    }
  } else {
    e = parse_primary();
  }
  e = parse_postfix(std::move(e));
  if (with_filter) e = parse_filter_expr(std::move(e));
  return e;
}

namespace {

Value parse_int_literal(const std::string& digits, bool& ok) {
  int base = 10;
  size_t start = 0;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'o' || digits[1] == 'b')) {
    base = digits[1] == 'x' ? 16 : (digits[1] == 'o' ? 8 : 2);
    start = 2;
  }
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(digits.c_str() + start, &end, base);
  ok = errno == 0 && end && *end == '\0';
  return Value::integer(static_cast<int64_t>(v));
}

}  // namespace

ExprPtr Parser::parse_primary() {
  const Token& tk = cur();
  auto constant = [&](Value v) {
    ExprPtr e = node(ExprType::Const, tk);
    e->value = std::move(v);
    return e;
  };
  switch (tk.type) {
    case Tok::Name: {
      ++i_;
      const std::string& n = tk.value;
      if (n == "true" || n == "True") return constant(Value::boolean(true));
      if (n == "false" || n == "False") return constant(Value::boolean(false));
      if (n == "none" || n == "None") return constant(Value::none());
      if (n == "varargs") ++refs_.varargs;
      if (n == "kwargs") ++refs_.kwargs;
      if (n == "caller") ++refs_.caller;
      ExprPtr e = node(ExprType::Name, tk);
      e->name = n;
      return e;
    }
    case Tok::String: {
      std::string s;
      while (cur().type == Tok::String) s += t_[i_++].value;
      return constant(Value::string(std::move(s)));
    }
    case Tok::Int: {
      ++i_;
      bool ok = false;
      Value v = parse_int_literal(tk.value, ok);
      if (!ok) error(tk, "integer literal out of range: " + tk.value);
      return constant(std::move(v));
    }
    case Tok::Float: {
      ++i_;
      return constant(Value::number(std::strtod(tk.value.c_str(), nullptr)));
    }
    case Tok::Op: {
      if (tk.value == "(") {
        ++i_;
        ExprPtr e = parse_tuple(true, {}, true);
        expect_op(")");
        return e;
      }
      if (tk.value == "[") return parse_literal_list(tk);
      if (tk.value == "{") return parse_literal_dict(tk);
      break;
    }
    default: break;
  }
  error(tk, tk.type == Tok::End ? "unexpected end of template" : "unexpected '" + tk.value + "'");
}

ExprPtr Parser::parse_literal_list(const Token& at) {
  ++i_;
  std::vector<ExprPtr> items;
  while (!is_op("]")) {
    if (!items.empty()) expect_op(",");
    if (is_op("]")) break;
    items.push_back(parse_expression(true));
  }
  ++i_;
  return node(ExprType::List, at, std::move(items));
}

ExprPtr Parser::parse_literal_dict(const Token& at) {
  ++i_;
  std::vector<ExprPtr> items;
  while (!is_op("}")) {
    if (!items.empty()) expect_op(",");
    if (is_op("}")) break;
    items.push_back(parse_expression(true));
    expect_op(":");
    items.push_back(parse_expression(true));
  }
  ++i_;
  return node(ExprType::Dict, at, std::move(items));
}

ExprPtr Parser::parse_postfix(ExprPtr e) {
  while (true) {
    if (is_op(".") || is_op("[")) {
      e = parse_subscript(std::move(e));
    } else if (is_op("(")) {
      e = parse_call(std::move(e));
    } else {
      return e;
    }
  }
}

ExprPtr Parser::parse_subscript(ExprPtr obj) {
  const Token& at = cur();
  ++i_;
  std::vector<ExprPtr> args;
  args.push_back(std::move(obj));
  if (at.value == ".") {
    const Token& tk = cur();
    if (tk.type == Tok::Name) {
      ++i_;
      ExprPtr e = node(ExprType::GetAttr, at, std::move(args));
      e->name = tk.value;
      return e;
    }
    if (tk.type != Tok::Int) error(tk, "expected an attribute name after '.'");
    ExprPtr idx = parse_primary();
    args.push_back(std::move(idx));
    return node(ExprType::GetItem, at, std::move(args));
  }
  // [key] or [start:stop:step]
  std::vector<ExprPtr> parts;
  bool slice = false;
  auto part_end = [&] { return is_op(":") || is_op("]"); };
  parts.push_back(part_end() ? nullptr : parse_expression(true));
  for (int k = 0; k < 2 && is_op(":"); ++k) {
    ++i_;
    slice = true;
    parts.push_back(part_end() ? nullptr : parse_expression(true));
  }
  if (!slice && is_op(",")) error(cur(), "tuple subscripts are not supported");
  expect_op("]");
  if (!slice) {
    if (!parts[0]) error(at, "expected a subscript expression");
    args.push_back(std::move(parts[0]));
    return node(ExprType::GetItem, at, std::move(args));
  }
  parts.resize(3);
  for (auto& p : parts) args.push_back(std::move(p));
  return node(ExprType::Slice, at, std::move(args));
}

void Parser::parse_call_args(Expr& e) {
  expect_op("(");
  bool first = true;
  while (!is_op(")")) {
    if (!first) expect_op(",");
    first = false;
    if (is_op(")")) break;
    if (is_op("*") || is_op("**")) error(cur(), "argument unpacking (* and **) is not supported");
    if (cur().type == Tok::Name && peek(1).type == Tok::Op && peek(1).value == "=") {
      std::string key = t_[i_].value;
      i_ += 2;
      e.kwargs.emplace_back(std::move(key), parse_expression(true));
    } else {
      if (!e.kwargs.empty()) error(cur(), "positional argument follows keyword argument");
      e.args.push_back(parse_expression(true));
    }
  }
  ++i_;
  finish(e);
}

ExprPtr Parser::parse_call(ExprPtr callee) {
  const Token& at = cur();
  std::vector<ExprPtr> args;
  args.push_back(std::move(callee));
  ExprPtr e = node(ExprType::Call, at, std::move(args));
  parse_call_args(*e);
  return e;
}

ExprPtr Parser::parse_filter_expr(ExprPtr e) {
  while (true) {
    if (is_op("|")) {
      e = parse_filter(std::move(e), false);
    } else if (is_name("is")) {
      e = parse_test(std::move(e));
    } else if (is_op("(")) {
      e = parse_call(std::move(e));
    } else {
      return e;
    }
  }
}

std::string Parser::parse_dotted_name() {
  std::string n = expect_name();
  while (is_op(".") && peek(1).type == Tok::Name) {
    n += "." + peek(1).value;
    i_ += 2;
  }
  return n;
}

ExprPtr Parser::parse_filter(ExprPtr operand, bool start_inline) {
  while (is_op("|") || start_inline) {
    if (!start_inline) ++i_;
    start_inline = false;
    const Token& at = cur();
    std::vector<ExprPtr> args;
    args.push_back(std::move(operand));
    ExprPtr e = node(ExprType::Filter, at, std::move(args));
    e->name = parse_dotted_name();
    if (is_op("(")) parse_call_args(*e);
    operand = std::move(e);
  }
  return operand;
}

ExprPtr Parser::parse_test(ExprPtr operand) {
  ++i_;  // 'is'
  const bool negated = is_name("not");
  if (negated) ++i_;
  const Token& at = cur();
  std::vector<ExprPtr> args;
  args.push_back(std::move(operand));
  ExprPtr e = node(ExprType::Test, at, std::move(args));
  e->negated = negated;
  e->name = parse_dotted_name();
  const Token& tk = cur();
  if (is_op("(")) {
    parse_call_args(*e);
  } else if ((tk.type == Tok::Name || tk.type == Tok::String || tk.type == Tok::Int || tk.type == Tok::Float ||
              is_op("[") || is_op("{")) &&
             !is_name("else") && !is_name("or") && !is_name("and")) {
    if (is_name("is")) error(tk, "you cannot chain multiple tests with 'is'");
    e->args.push_back(parse_postfix(parse_primary()));
    finish(*e);
  }
  return e;
}

}  // namespace frugal::jinja
