// Jinja tokenizer: text, {{ }}, {% %}, {# #}, raw blocks, whitespace control, trim/lstrip_blocks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace frugal::jinja {

enum class Tok : uint8_t { Data, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, End };

struct Token {
  Tok type = Tok::End;
  std::string value;  // text, name, unescaped string, number digits (no underscores) or operator
  uint32_t line = 1;
  uint32_t col = 1;
};

struct LexOptions {
  bool trim_blocks = true;     // drop the first newline after a block tag or comment
  bool lstrip_blocks = true;   // drop spaces/tabs before a block tag or comment at a line start
  bool keep_trailing_newline = false;
};

// Throws frugal::Error("template syntax error at line L, column C: ...") on malformed input.
std::vector<Token> tokenize(std::string_view source, const LexOptions& options);

[[noreturn]] void syntax_error(uint32_t line, uint32_t col, const std::string& message);

}  // namespace frugal::jinja
