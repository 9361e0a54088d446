// Public API of the Jinja interpreter: parse once, render many times.
#include "chat/jinja.h"

#include "chat/jinja_interp.h"
#include "chat/jinja_lexer.h"
#include "chat/jinja_parser.h"

namespace frugal::jinja {

Template::Template(std::string_view source, const TemplateOptions& options) {
  LexOptions lex;
  lex.trim_blocks = options.trim_blocks;
  lex.lstrip_blocks = options.lstrip_blocks;
  lex.keep_trailing_newline = options.keep_trailing_newline;
  ParseLimits limits;
  limits.max_expr_depth = options.max_expr_depth;
  limits.max_block_depth = options.max_block_depth;
  body_ = std::make_unique<Body>(parse(tokenize(source, lex), limits));
}

Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

std::string Template::render(const nlohmann::ordered_json& context, const RenderOptions& options) const {
  Interp interp(options);
  return interp.render(*body_, context);
}

}  // namespace frugal::jinja
