// Internal: the recursive-descent parser class shared by the statement and expression files.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>

#include "chat/jinja_parser.h"

namespace frugal::jinja {

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const ParseLimits& limits) : t_(tokens), limits_(limits) {}

  Body parse_body(std::initializer_list<std::string_view> ends, std::string* which);

 private:
  struct NameRefs {
    uint32_t varargs = 0, kwargs = 0, caller = 0;
  };
  // Counts nesting on entry, throws past the limit.
  struct DepthGuard {
    DepthGuard(Parser& p, uint32_t& counter, uint32_t limit, const char* what) : counter_(counter) {
      if (++counter_ > limit) p.error(p.cur(), std::string(what) + " too deeply (limit " + std::to_string(limit) + ")");
    }
    ~DepthGuard() { --counter_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    uint32_t& counter_;
  };

  // Statements (jinja_parser.cpp).
  Stmt parse_statement(std::initializer_list<std::string_view> enclosing);
  Stmt parse_if(const Token& at);
  Stmt parse_for(const Token& at);
  Stmt parse_set(const Token& at);
  Stmt parse_macro(const Token& at);
  Stmt parse_call_block(const Token& at);
  Stmt parse_filter_block(const Token& at);
  Stmt parse_with(const Token& at);
  void parse_params(Stmt& s);
  void parse_callable_body(Stmt& s, std::string_view end);
  void parse_targets(Stmt& s, bool allow_namespace);

  // Expressions (jinja_parser_expr.cpp).
  ExprPtr parse_tuple(bool with_condexpr, std::initializer_list<std::string_view> end_names,
                      bool explicit_parens = false);
  ExprPtr parse_expression(bool with_condexpr);
  ExprPtr parse_condexpr();
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  ExprPtr parse_literal_list(const Token& at);
  ExprPtr parse_literal_dict(const Token& at);
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_subscript(ExprPtr node);
  ExprPtr parse_call(ExprPtr callee);
  void parse_call_args(Expr& e);
  ExprPtr parse_filter_expr(ExprPtr node);
  ExprPtr parse_filter(ExprPtr node, bool start_inline);
  ExprPtr parse_test(ExprPtr node);
  std::string parse_dotted_name();

  // Node construction: computes the subtree height and enforces the limit.
  ExprPtr node(ExprType type, const Token& at, std::vector<ExprPtr> args = {}, Op op = Op::None);
  void finish(Expr& e);
  Stmt stmt_at(StmtType type, const Token& at) const {
    Stmt s;
    s.type = type;
    s.line = at.line;
    s.col = at.col;
    return s;
  }

  // Token helpers.
  const Token& cur() const { return t_[i_]; }
  const Token& peek(size_t k) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  bool is_op(std::string_view op) const { return cur().type == Tok::Op && cur().value == op; }
  bool is_name(std::string_view n) const { return cur().type == Tok::Name && cur().value == n; }
  void expect(Tok type, const char* what);
  void expect_op(std::string_view op);
  std::string expect_name();
  [[noreturn]] void error(const Token& at, const std::string& msg) const { syntax_error(at.line, at.col, msg); }

  const std::vector<Token>& t_;
  ParseLimits limits_;
  size_t i_ = 0;
  uint32_t block_depth_ = 0;
  uint32_t expr_depth_ = 0;
  uint32_t loop_depth_ = 0;
  NameRefs refs_;
};

}  // namespace frugal::jinja
