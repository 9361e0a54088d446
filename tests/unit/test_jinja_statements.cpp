// Jinja statements: if, for (loop object, unpacking, filters, else, break/continue), set (tuples,
// namespaces, blocks), macros (defaults, keywords, varargs, caller), call/filter/with blocks, scoping.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_jinja_helpers.h"

namespace frugal::jinja {
namespace {

using ::testing::HasSubstr;

TEST(JinjaStatements, IfElifElse) {
  const char* t = "{% if n == 1 %}one{% elif n == 2 %}two{% elif n == 3 %}three{% else %}many{% endif %}";
  EXPECT_EQ(render(t, R"({"n": 1})"), "one");
  EXPECT_EQ(render(t, R"({"n": 2})"), "two");
  EXPECT_EQ(render(t, R"({"n": 3})"), "three");
  EXPECT_EQ(render(t, R"({"n": 9})"), "many");
  EXPECT_EQ(render("{% if [] or {} or '' or 0 or none or undefined_name %}t{% else %}f{% endif %}"), "f");
}

TEST(JinjaStatements, ForLoopVariables) {
  EXPECT_EQ(render("{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
                   "{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}"),
            "1032TrueFalse3;2121FalseFalse3;3210FalseTrue3;");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }}|{% endfor %}"), "-2|1-3|2-|");
  EXPECT_EQ(render("{% for x in range(5) %}{{ loop.cycle('a', 'b') }}{% endfor %}"), "ababa");
  EXPECT_EQ(render("{% for x in [1, 1, 2] %}{{ loop.changed(x) }}{% endfor %}"), "TrueFalseTrue");
}

TEST(JinjaStatements, ForOverDictsStringsAndUndefined) {
  EXPECT_EQ(render("{% for k in d %}{{ k }}{% endfor %}", R"({"d": {"b": 1, "a": 2}})"), "ba");
  EXPECT_EQ(render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", R"({"d": {"b": 1, "a": 2}})"),
            "b=1;a=2;");
  EXPECT_EQ(render("{% for c in 'héllo' %}[{{ c }}]{% endfor %}"), "[h][\xC3\xA9][l][l][o]");
  EXPECT_EQ(render("{% for x in nothing %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_THAT(error_of("{% for x in 42 %}{% endfor %}"), HasSubstr("'int' object is not iterable"));
}

TEST(JinjaStatements, ForFilterElseBreakContinue) {
  EXPECT_EQ(render("{% for i in range(10) if i is odd %}{{ i }}{{ loop.length }},{% endfor %}"),
            "15,35,55,75,95,");
  EXPECT_EQ(render("{% for i in [] %}x{% else %}none{% endfor %}"), "none");
  EXPECT_EQ(render("{% for i in [1] if i > 5 %}x{% else %}filtered{% endfor %}"), "filtered");
  EXPECT_EQ(render("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}"
                   "{% endif %}{{ i }}{% endfor %}"),
            "0134");
}

TEST(JinjaStatements, ForUnpacking) {
  EXPECT_EQ(render("{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}"), "37");
  EXPECT_THAT(error_of("{% for a, b in [[1, 2, 3]] %}{% endfor %}"), HasSubstr("too many values to unpack"));
  EXPECT_THAT(error_of("{% for a, b in [1] %}{% endfor %}"), HasSubstr("cannot unpack"));
}

TEST(JinjaStatements, LoopScopeDoesNotLeak) {
  // Jinja2 semantics: each iteration starts from the outer value; sets inside stay inside.
  EXPECT_EQ(render("{% set x = 1 %}{% for i in range(3) %}{{ x }}{% set x = x + 1 %}{{ x }};{% endfor %}{{ x }}"),
            "12;12;12;1");
  EXPECT_EQ(render("{% for i in [1] %}{% set inner = 5 %}{% endfor %}[{{ inner }}]"), "[]");
  EXPECT_EQ(render("{% if true %}{% set y = 2 %}{% endif %}{{ y }}"), "2");  // if has no scope
}

TEST(JinjaStatements, SetForms) {
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}"), "12");
  EXPECT_EQ(render("{% set t = 1, 2 %}{{ t }}"), "(1, 2)");
  EXPECT_EQ(render("{% set x %}block {{ 1 + 1 }}{% endset %}[{{ x }}]"), "[block 2]");
  EXPECT_EQ(render("{% set x | upper | trim %}  up  {% endset %}[{{ x }}]"), "[UP]");
}

TEST(JinjaStatements, Namespaces) {
  EXPECT_EQ(render("{% set ns = namespace(n=0, seen=[]) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}"
                   "{% set ns.seen = ns.seen + [i] %}{% endfor %}{{ ns.n }} {{ ns.seen }}"),
            "6 [0, 1, 2, 3]");
  EXPECT_EQ(render("{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}{{ ns['a'] }}"), "121");
  EXPECT_THAT(error_of("{% set d = {} %}{% set d.x = 1 %}"), HasSubstr("not a namespace"));
  EXPECT_THAT(error_of("{% set ns = namespace() %}{% set ns.self = ns %}"), HasSubstr("cannot store a namespace"));
}

TEST(JinjaStatements, Macros) {
  EXPECT_EQ(render("{% macro m(a, b=2, c='x') %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }}|{{ m(1, 3) }}|"
                   "{{ m(c='z', a=0) }}"),
            "12x|13x|02z");
  EXPECT_EQ(render("{% macro m(a, b=a * 2) %}{{ b }}{% endmacro %}{{ m(4) }}"), "8");  // defaults see params
  EXPECT_EQ(render("{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}"),
            "1(2, 3){'k': 4}");
  EXPECT_EQ(render("{% macro m(x) %}{{ x }}{% endmacro %}[{{ m() }}]"), "[]");  // missing: undefined
  EXPECT_THAT(error_of("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"), HasSubstr("takes not more than 1"));
  EXPECT_THAT(error_of("{% macro m(a) %}{% endmacro %}{{ m(z=1) }}"), HasSubstr("no keyword argument 'z'"));
  EXPECT_EQ(render("{% macro r(n) %}{% if n > 0 %}{{ n }}{{ r(n - 1) }}{% endif %}{% endmacro %}{{ r(4) }}"), "4321");
  // Macros see the template's variables as they are when called.
  EXPECT_EQ(render("{% set x = 1 %}{% macro show() %}{{ x }}{% endmacro %}{{ show() }}{% set x = 2 %}{{ show() }}"),
            "12");
}

TEST(JinjaStatements, CallAndFilterAndWithBlocks) {
  EXPECT_EQ(render("{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}inside{% endcall %}"), "[inside]");
  EXPECT_EQ(render("{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}"
                   "{% call(v) each([1, 2]) %}<{{ v }}>{% endcall %}"),
            "<1><2>");
  EXPECT_EQ(render("{% filter upper %}abc{{ 'd' }}{% endfilter %}"), "ABCD");
  EXPECT_EQ(render("{% filter upper | replace('A', '-') %}abca{% endfilter %}"), "-BC-");
  EXPECT_EQ(render("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"), "3[]");
  EXPECT_EQ(render("{% generation %}kept{% endgeneration %}"), "kept");
}

TEST(JinjaStatements, UndefinedIsLenient) {
  EXPECT_EQ(render("[{{ missing }}][{{ missing.attr }}][{{ missing['k'] }}][{{ missing.a.b }}]"), "[][][][]");
  EXPECT_EQ(render("{{ missing | length }}{{ missing is defined }}{{ missing.x is defined }}"), "0FalseFalse");
  EXPECT_EQ(render("{{ d.missing is defined }}{{ d.missing.deeper is defined }}", R"({"d": {}})"), "FalseFalse");
  EXPECT_EQ(render("{{ 'x' ~ missing ~ 'y' }}"), "xy");
  EXPECT_THAT(error_of("{{ missing + 1 }}"), HasSubstr("undefined"));
  EXPECT_THAT(error_of("{{ missing() }}"), HasSubstr("'missing' is undefined"));
}

TEST(JinjaStatements, RuntimeErrorsNameTheLine) {
  EXPECT_THAT(error_of("line1\n{{ 1 / 0 }}"), HasSubstr("(template line 2)"));
  EXPECT_THAT(error_of("{{ raise_exception('Roles must alternate') }}"),
              HasSubstr("template raised an exception: Roles must alternate"));
}

}  // namespace
}  // namespace frugal::jinja
