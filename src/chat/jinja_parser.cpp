// Jinja parser, statements: if/for/set/macro/call/filter/with/generation/break/continue.
#include "chat/jinja_parser.h"

#include "chat/jinja_parser_impl.h"

namespace frugal::jinja {

Body Parser::parse_body(std::initializer_list<std::string_view> ends, std::string* which) {
  Body body;
  while (true) {
    const Token& tk = cur();
    if (tk.type == Tok::Data) {
      Stmt s = stmt_at(StmtType::Text, tk);
      s.text = tk.value;
      body.push_back(std::move(s));
      ++i_;
    } else if (tk.type == Tok::VarBegin) {
      Stmt s = stmt_at(StmtType::Output, tk);
      ++i_;
      s.expr = parse_tuple(true, {});
      expect(Tok::VarEnd, "'}}'");
      body.push_back(std::move(s));
    } else if (tk.type == Tok::BlockBegin) {
      const Token& name = peek(1);
      if (name.type == Tok::Name) {
        for (std::string_view e : ends) {
          if (name.value == e) {
            i_ += 2;
            if (which) *which = name.value;
            return body;
          }
        }
      }
      ++i_;
      body.push_back(parse_statement(ends));
    } else if (tk.type == Tok::End) {
      if (ends.size() != 0) {
        std::string want;
        for (std::string_view e : ends) want += (want.empty() ? "'" : " or '") + std::string(e) + "'";
        error(tk, "unexpected end of template, expected " + want);
      }
      return body;
    } else {
      error(tk, "unexpected '" + tk.value + "'");
    }
  }
}

Stmt Parser::parse_statement(std::initializer_list<std::string_view> enclosing) {
  DepthGuard guard(*this, block_depth_, limits_.max_block_depth, "blocks nested");
  const Token& tk = cur();
  if (tk.type != Tok::Name) error(tk, "expected a tag name after '{%'");
  const std::string name = tk.value;
  ++i_;
  if (name == "if") return parse_if(tk);
  if (name == "for") return parse_for(tk);
  if (name == "set") return parse_set(tk);
  if (name == "macro") return parse_macro(tk);
  if (name == "call") return parse_call_block(tk);
  if (name == "filter") return parse_filter_block(tk);
  if (name == "with") return parse_with(tk);
  if (name == "generation") {
    Stmt s = stmt_at(StmtType::Scope, tk);
    expect(Tok::BlockEnd, "'%}'");
    s.body = parse_body({"endgeneration"}, nullptr);
    expect(Tok::BlockEnd, "'%}'");
    return s;
  }
  if (name == "break" || name == "continue") {
    if (loop_depth_ == 0) error(tk, "'" + name + "' outside of a loop");
    expect(Tok::BlockEnd, "'%}'");
    return stmt_at(name == "break" ? StmtType::Break : StmtType::Continue, tk);
  }
  if (name == "include" || name == "extends" || name == "import" || name == "from" || name == "block") {
    error(tk, "'" + name + "' is not supported in chat templates");
  }
  std::string msg = "unknown tag '" + name + "'";
  if (enclosing.size() != 0) msg += " (inside a block expecting '" + std::string(*enclosing.begin()) + "')";
  error(tk, msg);
}

Stmt Parser::parse_if(const Token& at) {
  Stmt s = stmt_at(StmtType::If, at);
  ExprPtr cond = parse_tuple(false, {});
  while (true) {
    expect(Tok::BlockEnd, "'%}'");
    std::string which;
    Body b = parse_body({"elif", "else", "endif"}, &which);
    s.conds.push_back(std::move(cond));
    s.bodies.push_back(std::move(b));
    if (which == "elif") {
      cond = parse_tuple(false, {});
      continue;
    }
    if (which == "else") {
      expect(Tok::BlockEnd, "'%}'");
      s.else_body = parse_body({"endif"}, nullptr);
    }
    expect(Tok::BlockEnd, "'%}'");
    return s;
  }
}

Stmt Parser::parse_for(const Token& at) {
  Stmt s = stmt_at(StmtType::For, at);
  parse_targets(s, false);
  if (!is_name("in")) error(cur(), "expected 'in' after the loop variable");
  ++i_;
  s.expr = parse_tuple(false, {"recursive"});
  if (is_name("if")) {
    ++i_;
    s.cond = parse_expression(true);
  }
  if (is_name("recursive")) error(cur(), "recursive loops are not supported");
  expect(Tok::BlockEnd, "'%}'");
  ++loop_depth_;
  std::string which;
  s.body = parse_body({"endfor", "else"}, &which);
  --loop_depth_;
  if (which == "else") {
    expect(Tok::BlockEnd, "'%}'");
    s.else_body = parse_body({"endfor"}, nullptr);
  }
  expect(Tok::BlockEnd, "'%}'");
  return s;
}

Stmt Parser::parse_set(const Token& at) {
  Stmt s = stmt_at(StmtType::Set, at);
  parse_targets(s, true);
  if (is_op("=")) {
    ++i_;
    s.expr = parse_tuple(true, {});
    expect(Tok::BlockEnd, "'%}'");
    return s;
  }
  s.type = StmtType::SetBlock;
  if (s.unpack) error(at, "a block assignment takes a single name");
  if (is_op("|")) s.expr = parse_filter(nullptr, false);
  expect(Tok::BlockEnd, "'%}'");
  s.body = parse_body({"endset"}, nullptr);
  expect(Tok::BlockEnd, "'%}'");
  return s;
}

void Parser::parse_params(Stmt& s) {
  expect_op("(");
  while (!is_op(")")) {
    if (!s.params.empty()) expect_op(",");
    if (is_op(")")) break;
    s.params.push_back(expect_name());
    if (is_op("=")) {
      ++i_;
      s.defaults.push_back(parse_expression(true));
    } else {
      if (!s.defaults.empty() && s.defaults.back()) error(cur(), "non-default argument follows default argument");
      s.defaults.push_back(nullptr);
    }
  }
  ++i_;
}

void Parser::parse_callable_body(Stmt& s, std::string_view end) {
  const NameRefs before = refs_;
  const uint32_t saved_loops = loop_depth_;
  loop_depth_ = 0;
  s.body = parse_body({end}, nullptr);
  loop_depth_ = saved_loops;
  s.uses_varargs = refs_.varargs != before.varargs;
  s.uses_kwargs = refs_.kwargs != before.kwargs;
  s.uses_caller = refs_.caller != before.caller;
  expect(Tok::BlockEnd, "'%}'");
}

Stmt Parser::parse_macro(const Token& at) {
  Stmt s = stmt_at(StmtType::Macro, at);
  s.text = expect_name();
  parse_params(s);
  expect(Tok::BlockEnd, "'%}'");
  parse_callable_body(s, "endmacro");
  return s;
}

Stmt Parser::parse_call_block(const Token& at) {
  Stmt s = stmt_at(StmtType::CallBlock, at);
  if (is_op("(")) parse_params(s);
  s.expr = parse_expression(true);
  if (s.expr->type != ExprType::Call) error(at, "expected a call after 'call'");
  expect(Tok::BlockEnd, "'%}'");
  parse_callable_body(s, "endcall");
  return s;
}

Stmt Parser::parse_filter_block(const Token& at) {
  Stmt s = stmt_at(StmtType::FilterBlock, at);
  s.expr = parse_filter(nullptr, true);
  expect(Tok::BlockEnd, "'%}'");
  s.body = parse_body({"endfilter"}, nullptr);
  expect(Tok::BlockEnd, "'%}'");
  return s;
}

Stmt Parser::parse_with(const Token& at) {
  Stmt s = stmt_at(StmtType::With, at);
  while (cur().type != Tok::BlockEnd) {
    if (!s.targets.empty()) expect_op(",");
    s.targets.push_back(expect_name());
    expect_op("=");
    s.conds.push_back(parse_expression(true));
  }
  expect(Tok::BlockEnd, "'%}'");
  s.body = parse_body({"endwith"}, nullptr);
  expect(Tok::BlockEnd, "'%}'");
  return s;
}

void Parser::parse_targets(Stmt& s, bool allow_namespace) {
  if (allow_namespace && cur().type == Tok::Name && peek(1).type == Tok::Op && peek(1).value == "." &&
      peek(2).type == Tok::Name) {
    s.targets.push_back(cur().value);
    s.attr = peek(2).value;
    i_ += 3;
    return;
  }
  const bool paren = is_op("(");
  if (paren) ++i_;
  while (true) {
    const Token& tk = cur();
    const std::string n = expect_name();
    if (n == "true" || n == "false" || n == "none" || n == "True" || n == "False" || n == "None") {
      error(tk, "cannot assign to '" + n + "'");
    }
    s.targets.push_back(n);
    if (!is_op(",")) break;
    s.unpack = true;
    ++i_;
    if (cur().type != Tok::Name || is_name("in")) break;
  }
  if (paren) {
    s.unpack = true;
    expect_op(")");
  }
}

Body parse(const std::vector<Token>& tokens, const ParseLimits& limits) {
  Parser p(tokens, limits);
  return p.parse_body({}, nullptr);
}

}  // namespace frugal::jinja
