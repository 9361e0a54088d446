// Jinja parser: tokens to a statement list, with Jinja2's operator precedence.
#pragma once

#include <cstdint>
#include <vector>

#include "chat/jinja_ast.h"
#include "chat/jinja_lexer.h"

namespace frugal::jinja {

struct ParseLimits {
  uint32_t max_expr_depth = 256;   // height of one expression tree
  uint32_t max_block_depth = 128;  // nested {% if/for/macro/... %} blocks
};

// Throws frugal::Error("template syntax error at line L, column C: ...").
Body parse(const std::vector<Token>& tokens, const ParseLimits& limits);

}  // namespace frugal::jinja
