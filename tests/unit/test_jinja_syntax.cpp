// Jinja lexer and parser: delimiters, whitespace control, trim/lstrip_blocks, literals, precedence,
// and syntax errors with line and column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_jinja_helpers.h"

namespace frugal::jinja {
namespace {

using ::testing::HasSubstr;

TEST(JinjaSyntax, TextExpressionsAndComments) {
  EXPECT_EQ(render("plain text"), "plain text");
  EXPECT_EQ(render("a{{ 1 + 2 }}b"), "a3b");
  EXPECT_EQ(render("a{# comment {{ x }} #}b"), "ab");
  EXPECT_EQ(render("{{ 'x' }}{{ \"y\" }}"), "xy");
  EXPECT_EQ(render(""), "");
}

TEST(JinjaSyntax, SingleTrailingNewlineIsDropped) {
  EXPECT_EQ(render("x\n"), "x");
  EXPECT_EQ(render("x\n\n"), "x\n");
  TemplateOptions keep;
  keep.keep_trailing_newline = true;
  EXPECT_EQ(Template("x\n", keep).render(nlohmann::ordered_json::object()), "x\n");
}

TEST(JinjaSyntax, WhitespaceControlMinus) {
  EXPECT_EQ(render("a  {{- 'b' -}}  \n c"), "abc");
  EXPECT_EQ(render("a \n {%- if true -%} \n b \n {%- endif -%} \n c"), "abc");
  EXPECT_EQ(render("a {#- c -#} \n b"), "ab");
}

TEST(JinjaSyntax, TrimBlocksDropsOneNewlineAfterBlockTags) {
  EXPECT_EQ(render("{% if true %}\nx\n{% endif %}\ny"), "x\ny");
  EXPECT_EQ(render("{{ 'v' }}\nx"), "v\nx");  // not after expressions
  EXPECT_EQ(render("{# c #}\nx"), "x");       // after comments too
  EXPECT_EQ(render("{% if true +%}\nx{% endif %}"), "\nx");  // '+' keeps it
}

TEST(JinjaSyntax, LstripBlocksRemovesIndentationBeforeBlockTags) {
  EXPECT_EQ(render("a\n  {% if true %}\n  b\n  {% endif %}\nc"), "a\n  b\nc");
  EXPECT_EQ(render("a\n\t {% if true %}x{% endif %}"), "a\nx");
  EXPECT_EQ(render("a  {% if true %}b{% endif %}"), "a  b");  // text before the tag on that line: kept
  EXPECT_EQ(render("a\n  {{ 'v' }}"), "a\n  v");             // not before expressions
  EXPECT_EQ(render("a\n  {%+ if true %}b{% endif %}"), "a\n  b");
  EXPECT_EQ(render("{{ 'x' }}  {% if true %}y{% endif %}"), "x  y");  // not at a line start
}

TEST(JinjaSyntax, CrLfIsNormalized) {
  EXPECT_EQ(render("a\r\n{% if true %}\r\nb\r\n{% endif %}\r\n"), "a\nb\n");
}

TEST(JinjaSyntax, RawBlocks) {
  EXPECT_EQ(render("{% raw %}{{ x }}{% endraw %}"), "{{ x }}");
  EXPECT_EQ(render("{% raw -%}  {{ x }}  {%- endraw %}|"), "{{ x }}|");
}

TEST(JinjaSyntax, StringLiterals) {
  EXPECT_EQ(render(R"({{ 'it\'s' }}{{ "a\tb" }}{{ '\n' }}{{ '\\' }})"), "it'sa\tb\n\\");
  EXPECT_EQ(render(R"({{ '\u00e9\x41' }}{{ '\U0001F600' }})"), "\xC3\xA9" "A" "\xF0\x9F\x98\x80");
  EXPECT_EQ(render(R"({{ '\d' }})"), "\\d");  // unknown escapes keep the backslash, like Python
  EXPECT_EQ(render(R"({{ 'a' 'b' "c" }})"), "abc");
}

TEST(JinjaSyntax, NumberLiterals) {
  EXPECT_EQ(render("{{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }}"), "1000 31 15 5");
  EXPECT_EQ(render("{{ 1.5 }} {{ 1e3 }} {{ 2.5E-3 }} {{ 10.0 }}"), "1.5 1000.0 0.0025 10.0");
  EXPECT_THAT(error_of("{{ 99999999999999999999 }}"), HasSubstr("out of range"));
}

TEST(JinjaSyntax, ContainerLiterals) {
  EXPECT_EQ(render("{{ [1, 'a', none, true] }}"), "[1, 'a', None, True]");
  EXPECT_EQ(render("{{ {'a': 1, 'b': [2]} }}"), "{'a': 1, 'b': [2]}");
  EXPECT_EQ(render("{{ (1, 2) }}{{ (1,) }}{{ () }}"), "(1, 2)(1,)()");
  EXPECT_EQ(render("{{ [1, 2,] }}{{ {'a': 1,} }}"), "[1, 2]{'a': 1}");
  EXPECT_EQ(render("{{ {'a': {'b': 1}} }}"), "{'a': {'b': 1}}");  // '}}' inside braces
}

TEST(JinjaSyntax, OperatorPrecedence) {
  EXPECT_EQ(render("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }}"), "7 9 64 4");
  // Jinja2 binds ~ tighter than + and -: ('a' ~ 1) + (2 ~ 'b').
  EXPECT_EQ(render("{{ 'a' ~ 1 + 2 ~ 'b' }}"), "a12b");
}

TEST(JinjaSyntax, PrecedenceOfFiltersTestsAndNot) {
  EXPECT_EQ(render("{{ -1 | abs }}"), "1");                      // filter applies to the negated literal
  EXPECT_EQ(render("{{ [1, 2, 3] | length - 1 }}"), "2");        // filter before arithmetic
  EXPECT_EQ(render("{{ not 1 == 2 }} {{ not x is defined }}"), "True True");
  EXPECT_EQ(render("{{ 1 if false }}|{{ 1 if true else 2 }}|{{ 1 if 0 else 2 if 0 else 3 }}"), "|1|3");
  EXPECT_EQ(render("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1 != 2 }}"), "True False True");  // chained
  EXPECT_EQ(render("{{ true and false or true }} {{ false or not false and false }}"), "True False");
}

TEST(JinjaSyntax, ErrorsCarryLineAndColumn) {
  EXPECT_THAT(error_of("line one\n{{ 1 + }}"), HasSubstr("line 2, column 8"));
  EXPECT_THAT(error_of("{% if true %}\nno end"), HasSubstr("expected 'elif' or 'else' or 'endif'"));
  EXPECT_THAT(error_of("{% for x in y %}{% endif %}"), HasSubstr("unknown tag 'endif'"));
  EXPECT_THAT(error_of("{{ 'open"), HasSubstr("unterminated string"));
  EXPECT_THAT(error_of("{# never closed"), HasSubstr("missing end of comment"));
  EXPECT_THAT(error_of("{{ (1 }}"), HasSubstr("template syntax error"));
  EXPECT_THAT(error_of("{{ 1 ]}}"), HasSubstr("unexpected ']'"));
  EXPECT_THAT(error_of("{% set 1 = 2 %}"), HasSubstr("expected a name"));
  EXPECT_THAT(error_of("{% include 'x' %}"), HasSubstr("not supported"));
  EXPECT_THAT(error_of("{% break %}"), HasSubstr("outside of a loop"));
  EXPECT_THAT(error_of("{{ a b }}"), HasSubstr("expected '}}'"));
  EXPECT_THAT(error_of("{{ x @ y }}"), HasSubstr("unexpected character '@'"));
  EXPECT_THAT(error_of("{% macro m(a=1, b) %}{% endmacro %}"), HasSubstr("non-default argument"));
  EXPECT_THAT(error_of("{{ f(a=1, 2) }}"), HasSubstr("positional argument follows keyword"));
}

}  // namespace
}  // namespace frugal::jinja
