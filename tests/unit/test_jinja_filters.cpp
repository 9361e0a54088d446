// Jinja builtins with Python Jinja2's results: filters, tests, str/dict/list methods, operators,
// printing of values and Hugging Face's tojson.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_jinja_helpers.h"

namespace frugal::jinja {
namespace {

using ::testing::HasSubstr;

constexpr const char* kMsgs =
    R"({"msgs": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"},
                 {"role": "user", "content": "Bye"}], "l": [3, 1, 2]})";

TEST(JinjaFilters, StringFilters) {
  EXPECT_EQ(render("{{ '  a b  ' | trim }}|{{ 'xxaxx' | trim('x') }}"), "a b|a");
  EXPECT_EQ(render("{{ 'hELLO wORLD' | lower }} {{ 'abc' | upper }} {{ 'hELLO' | capitalize }}"),
            "hello world ABC Hello");
  EXPECT_EQ(render("{{ 'hello big-world (x)' | title }}"), "Hello Big-World (X)");
  EXPECT_EQ(render("{{ 'aaa' | replace('a', 'b') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'ab' | replace('', '-') }}"),
            "bbb bba -a-b-");
  EXPECT_EQ(render("{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}|{{ 'a\n\nb' | indent(1, blank=true) }}"),
            "a\n  b\n\n  c|  a\n  b|a\n \n b");
  EXPECT_EQ(render("{{ 'abc' | center(9) }}|{{ 'hello world' | wordcount }}"), "   abc   |2");
  EXPECT_EQ(render("{{ '<a href=\"x\">&\\'</a>' | e }}"), "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(render("{{ 'hello world foo bar baz qux' | truncate(12) }}"), "hello...");
  EXPECT_EQ(render("{{ '%s=%d' | format('k', 3) }} {{ '%.2f' % 3.14159 }} {{ '%s-%s' % ('a', 'b') }}"),
            "k=3 3.14 a-b");
  EXPECT_EQ(render("{{ 'x' | safe }}{{ 12 | string }}{{ [1] | string }}"), "x12[1]");
}

TEST(JinjaFilters, NumberFilters) {
  EXPECT_EQ(render("{{ 3.7 | int }} {{ '3.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ '0x1A' | int(0, 16) }}"),
            "3 3 0 7 26");
  EXPECT_EQ(render("{{ '2.5' | float }} {{ 'x' | float }} {{ 1 | float }}"), "2.5 0.0 1.0");
  EXPECT_EQ(render("{{ -3 | abs }} {{ -1.5 | abs }}"), "3 1.5");
  // Python rounding: half to even on the exact binary value.
  EXPECT_EQ(render("{{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 7 | round }} {{ 2.1 | round(0, 'ceil') }}"),
            "2.0 4.0 2.67 7 3.0");
}

TEST(JinjaFilters, SequenceFilters) {
  EXPECT_EQ(render("{{ l | first }}{{ l | last }}{{ l | length }}{{ l | count }}{{ 'abc' | first }}", kMsgs), "3233a");
  EXPECT_EQ(render("{{ l | sort }} {{ l | sort(reverse=true) }} {{ ['b', 'A', 'a'] | sort }}", kMsgs),
            "[1, 2, 3] [3, 2, 1] ['A', 'a', 'b']");
  EXPECT_EQ(render("{{ ['b', 'A', 'a'] | sort(case_sensitive=true) }}"), "['A', 'a', 'b']");
  EXPECT_EQ(render("{{ msgs | sort(attribute='content') | map(attribute='content') | join(',') }}", kMsgs),
            "Bye,Hi,Yo");
  EXPECT_EQ(render("{{ [1, 2, 2, 1] | unique | list }} {{ ['a', 'A'] | unique | list }}"), "[1, 2] ['a']");
  EXPECT_EQ(render("{{ l | join }} {{ l | join('-') }} {{ msgs | join(',', attribute='role') }}", kMsgs),
            "312 3-1-2 user,assistant,user");
  EXPECT_EQ(render("{{ l | reverse | list }} {{ 'abc' | reverse }} {{ 'ab' | list }}", kMsgs), "[2, 1, 3] cba ['a', 'b']");
  EXPECT_EQ(render("{{ l | min }} {{ l | max }} {{ l | sum }} {{ msgs | map(attribute='content') | map('length') | sum }}",
                   kMsgs),
            "1 3 6 7");
  EXPECT_EQ(render("{{ [1, 2, 3, 4, 5] | batch(2) | list }} {{ [1, 2, 3] | batch(2, 0) | list }}"),
            "[[1, 2], [3, 4], [5]] [[1, 2], [3, 0]]");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2} | dictsort }} {{ {'b': 1, 'a': 2} | items | list }}"),
            "[('a', 2), ('b', 1)] [('b', 1), ('a', 2)]");
}

TEST(JinjaFilters, SelectRejectMap) {
  EXPECT_EQ(render("{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}", kMsgs),
            "['Hi', 'Bye']");
  EXPECT_EQ(render("{{ msgs | rejectattr('role', 'eq', 'user') | list | length }}", kMsgs), "1");
  EXPECT_EQ(render("{{ [{'a': 1}, {'b': 2}] | selectattr('a') | list }}"), "[{'a': 1}]");
  EXPECT_EQ(render("{{ range(6) | select('odd') | list }} {{ range(6) | reject('divisibleby', 3) | list }}"),
            "[1, 3, 5] [1, 2, 4, 5]");
  EXPECT_EQ(render("{{ [1, 2] | map('string') | join('+') }} {{ ['a'] | map('upper') | list }}"), "1+2 ['A']");
  EXPECT_EQ(render("{{ [{'a': {'b': 5}}, {}] | map(attribute='a.b', default=0) | list }}"), "[5, 0]");
}

TEST(JinjaFilters, DefaultAndUndefined) {
  EXPECT_EQ(render("{{ x | default('d') }} {{ none | default('d') }} {{ '' | default('d', true) }} {{ 0 | d(5, true) }}"),
            "d None d 5");
}

TEST(JinjaFilters, ToJsonMatchesPythonJsonDumps) {
  const char* ctx = R"({"v": {"b": 1, "a": [1.5, "é", null, true], "e": {}, "f": []}})";
  EXPECT_EQ(render("{{ v | tojson }}", ctx), R"({"b": 1, "a": [1.5, "é", null, true], "e": {}, "f": []})");
  EXPECT_EQ(render("{{ v | tojson(indent=2) }}", ctx),
            "{\n  \"b\": 1,\n  \"a\": [\n    1.5,\n    \"é\",\n    null,\n    true\n  ],\n  \"e\": {},\n  \"f\": []\n}");
  EXPECT_EQ(render("{{ v | tojson(sort_keys=true, separators=(',', ':')) }}", ctx),
            R"({"a":[1.5,"é",null,true],"b":1,"e":{},"f":[]})");
  EXPECT_EQ(render("{{ 'é\"\\\\\n\t\x01' | tojson }}"), R"("é\"\\\n\t\u0001")");
  EXPECT_EQ(render("{{ 'é😀' | tojson(ensure_ascii=true) }}"), R"("\u00e9\ud83d\ude00")");
  EXPECT_EQ(render("{{ 1.0 | tojson }} {{ 1e20 | tojson }} {{ 1 | tojson }}"), "1.0 1e+20 1");  // Python floats
  EXPECT_EQ(render("{{ {'a': 1} | tojson(indent='\t') }}"), "{\n\t\"a\": 1\n}");
}

TEST(JinjaFilters, PrintingFollowsPythonStr) {
  EXPECT_EQ(render("{{ none }}|{{ true }}|{{ false }}|{{ 1.0 }}|{{ 0.1 + 0.2 }}|{{ 1e16 }}|{{ 1e-5 }}|{{ -0.0 }}"),
            "None|True|False|1.0|0.30000000000000004|1e+16|1e-05|-0.0");
  EXPECT_EQ(render("{{ ['it\\'s', \"q\", 'a\\nb'] }}"), R"(["it's", 'q', 'a\nb'])");
  EXPECT_EQ(render("{% set ns = namespace(a=1) %}{{ ns }}"), "<Namespace {'a': 1}>");
}

TEST(JinjaTests, Builtins) {
  EXPECT_EQ(render("{{ x is defined }}{{ x is undefined }}{{ none is none }}{{ 'a' is string }}{{ 1 is number }}"
                   "{{ true is number }}{{ true is integer }}{{ 1.5 is float }}{{ 1 is integer }}"),
            "FalseTrueTrueTrueTrueTrueFalseTrueTrue");
  EXPECT_EQ(render("{{ {} is mapping }}{{ [] is iterable }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ [] is sequence }}"
                   "{{ range is callable }}{{ true is true }}{{ 1 is true }}{{ false is false }}{{ true is boolean }}"),
            "TrueTrueTrueFalseTrueTrueTrueFalseTrueTrue");
  EXPECT_EQ(render("{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ 1 is eq 1 }}"
                   "{{ 2 is gt 1 }}{{ 'a' is in 'abc' }}{{ 'a' is lower }}{{ 'A' is upper }}{{ 'a' is not upper }}"),
            "TrueTrueTrueFalseTrueTrueTrueTrueTrueTrue");
  EXPECT_EQ(render("{{ 'upper' is filter }}{{ 'odd' is test }}{{ 'nope' is filter }}"), "TrueTrueFalse");
  EXPECT_THAT(error_of("{{ 1 is nosuchtest }}"), HasSubstr("no test named 'nosuchtest'"));
  EXPECT_THAT(error_of("{{ 1 | nosuchfilter }}"), HasSubstr("no filter named 'nosuchfilter'"));
}

TEST(JinjaMethods, StringMethods) {
  EXPECT_EQ(render("{{ 'abc'.startswith('a') }}{{ 'abc'.endswith(('x', 'c')) }}{{ 'abc'.startswith('b') }}"),
            "TrueTrueFalse");
  EXPECT_EQ(render("[{{ ' x '.strip() }}][{{ 'xax'.strip('x') }}][{{ '  x'.lstrip() }}][{{ 'x  '.rstrip() }}]"),
            "[x][a][x][x]");
  EXPECT_EQ(render("{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a,b,c'.rsplit(',', 1) }} {{ 'a b c'.split(none, 1) }}"),
            "['a', 'b', '', 'c'] ['a', 'b'] ['a,b', 'c'] ['a', 'b c']");
  EXPECT_EQ(render("{{ 'a\nb\r\nc'.splitlines() }}"), "['a', 'b', 'c']");
  EXPECT_EQ(render("{{ 'héllo'.find('l') }} {{ 'abc'.find('z') }} {{ 'aaa'.count('a') }} {{ 'hello'.upper() }} {{ 'they\\'re'.title() }}"),
            "2 -1 3 HELLO They'Re");
  EXPECT_EQ(render("{{ '{}-{}'.format(1, 'x') }} {{ '{1}{0}{k}'.format(1, 2, k=3) }} {{ ', '.join(['a', 'b']) }}"),
            "1-x 213 a, b");
  EXPECT_EQ(render("{{ 'abc'.replace('b', 'B') }} {{ '42'.zfill(5) }} {{ 'x'.rjust(3, '*') }} {{ '12'.isdigit() }}"),
            "aBc 00042 **x True");
  EXPECT_EQ(render("{{ 'abc'[1] }}{{ 'abc'[-1] }}{{ 'héllo'[1] }}{{ 'abcdef'[1:5:2] }}{{ 'abc'[::-1] }}{{ 'abc'[5] is defined }}"),
            "bc\xC3\xA9" "bdcbaFalse");
}

TEST(JinjaMethods, DictAndListMethods) {
  const char* ctx = R"({"d": {"a": 1, "items": [9]}})";
  EXPECT_EQ(render("{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }} {{ d.keys() | list }} {{ d.values() | list }}", ctx),
            "1 None 5 ['a', 'items'] [1, [9]]");
  // A key wins over a method of the same name (as in @huggingface/jinja); calls still reach the method.
  EXPECT_EQ(render("{{ d.items }} {{ d.items() | list }}", ctx), "[9] [('a', 1), ('items', [9])]");
  EXPECT_EQ(render("{{ [1, 2, 1].count(1) }} {{ [1, 2].index(2) }}"), "2 1");
  EXPECT_THAT(error_of("{% set l = [] %}{{ l.append(1) }}"), HasSubstr("sandboxed"));
  EXPECT_THAT(error_of("{{ {}.update({'a': 1}) }}"), HasSubstr("sandboxed"));
}

TEST(JinjaOperators, ArithmeticLikePython) {
  EXPECT_EQ(render("{{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 7.5 // 2 }}"),
            "3.5 3 -4 2 -2 1024 0.5 3.0");
  EXPECT_EQ(render("{{ 'ab' * 3 }} {{ [0] * 2 }} {{ [1] + [2] }} {{ 'a' + 'b' }} {{ 1 + 1.5 }} {{ true + 1 }}"),
            "ababab [0, 0] [1, 2] ab 2.5 2");
  EXPECT_THAT(error_of("{{ 1 / 0 }}"), HasSubstr("division by zero"));
  EXPECT_THAT(error_of("{{ 'a' + 1 }}"), HasSubstr("unsupported operand"));
  EXPECT_THAT(error_of("{{ 9223372036854775807 + 1 }}"), HasSubstr("integer overflow"));
}

TEST(JinjaOperators, ComparisonAndMembership) {
  EXPECT_EQ(render("{{ 1 == 1.0 }}{{ '1' == 1 }}{{ [1, [2]] == [1, [2]] }}{{ {'a': 1} == {'a': 1} }}{{ true == 1 }}"),
            "TrueFalseTrueTrueTrue");
  EXPECT_EQ(render("{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}{{ 2 >= 2 }}"), "TrueTrueTrue");
  EXPECT_EQ(render("{{ 'b' in 'abc' }}{{ 2 in [1, 2] }}{{ 'k' in {'k': 1} }}{{ 'z' not in 'abc' }}{{ 1 in missing }}"),
            "TrueTrueTrueTrueFalse");
  EXPECT_THAT(error_of("{{ 1 < 'a' }}"), HasSubstr("not supported between"));
  EXPECT_THAT(error_of("{{ 1 in 'abc' }}"), HasSubstr("requires string as left operand"));
}

TEST(JinjaGlobals, RangeDictCyclerJoinerStrftime) {
  EXPECT_EQ(render("{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ range(5, 0, -2) | list }}"),
            "[0, 1, 2] [1, 4, 7] [5, 3, 1]");
  EXPECT_EQ(render("{{ dict(a=1, b=2) }} {{ dict({'x': 1}, y=2) }}"), "{'a': 1, 'b': 2} {'x': 1, 'y': 2}");
  EXPECT_EQ(render("{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}"), "abab");
  EXPECT_EQ(render("{% set j = joiner('|') %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}"), "1|2|3");
  RenderOptions at;
  at.now = 1721995200;  // 2024-07-26 12:00:00 UTC
  EXPECT_EQ(render("{{ strftime_now('%d %b %Y %H:%M') }}|{{ strftime_now('%Y-%m-%d') }}", "{}", at),
            "26 Jul 2024 12:00|2024-07-26");
}

}  // namespace
}  // namespace frugal::jinja
