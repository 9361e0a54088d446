// Untrusted templates: runaway loops, recursion, exponential strings and lists, deep nesting and
// huge ranges all fail with a clear frugal::Error, fast, instead of hanging or crashing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "test_jinja_helpers.h"

namespace frugal::jinja {
namespace {

using ::testing::HasSubstr;

// Renders `tpl`, expecting an error that contains `want`. The step, depth and size budgets are
// what bound the work (about 0.1-0.3 s in a release build on a quiet machine, 10 s and more under
// qemu on a loaded machine); the clock check only catches a budget that stopped working (hours of
// work without it), with room for a loaded CI machine, a sanitizer build or an emulator.
void expect_fast_error(const std::string& tpl, const std::string& want, const char* context = "{}") {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string err = error_of(tpl, context);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_THAT(err, HasSubstr(want)) << tpl;
  EXPECT_LT(s, 60.0) << "took " << s << " s: " << tpl;
}

TEST(JinjaLimits, HugeRange) {
  expect_fast_error("{% for i in range(999999999) %}x{% endfor %}", "range() of 999999999 items exceeds the limit");
  EXPECT_EQ(render("{{ range(100000) | length }}"), "100000");
}

TEST(JinjaLimits, NestedLoops) {
  expect_fast_error("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                    "template exceeded 1000000 loop iterations");
  expect_fast_error("{% for i in range(100000) %}{% for j in range(100000) %}{{ i ~ j }}{% endfor %}{% endfor %}",
                    "template exceeded");
}

TEST(JinjaLimits, Recursion) {
  expect_fast_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "macro call depth limit of 64");
  expect_fast_error("{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
                    "evaluation steps");
  std::string body = "{{ f(x + 1) }}";  // 100 blocks per call: the frame limit trips before the call limit
  for (int i = 0; i < 100; ++i) body = "{% if true %}" + body + "{% endif %}";
  expect_fast_error("{% macro f(x) %}" + body + "{% endmacro %}{{ f(0) }}", "nesting limit of 2000 evaluation frames");
  expect_fast_error("{% macro a() %}{{ caller() }}{% endmacro %}{% macro b() %}{% call a() %}{{ b() }}{% endcall %}"
                    "{% endmacro %}{{ b() }}",
                    "macro call depth limit");
}

TEST(JinjaLimits, ExponentialStringsAndLists) {
  expect_fast_error("{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                    "exceeded 33554432 bytes");
  expect_fast_error("{% set ns = namespace(l=[1]) %}{% for i in range(100) %}{% set ns.l = ns.l + ns.l %}{% endfor %}",
                    "list exceeded 1000000 items");
  expect_fast_error("{{ 'x' * 1000000000 }}", "exceeded 33554432 bytes");
  expect_fast_error("{{ 'ab' | center(2000000000) }}", "exceeded");
  expect_fast_error("{{ 'a' | indent(2000000000, true) }}", "exceeded");
  expect_fast_error("{% set l = ['x' * 1000000] * 1000000 %}{{ l | tojson | length }}", "exceeded 33554432 bytes");
  expect_fast_error("{% set l = ['x' * 1000000] * 1000000 %}{{ l }}", "exceeded 33554432 bytes");
  expect_fast_error("{% set s = ' ' * 30000000 %}{% for i in range(100000) %}{{ s | trim }}{% endfor %}", "evaluation steps");
  expect_fast_error("{% set s = 'a ' * 10000000 %}{{ s.split() | length }}", "list exceeded");
}

TEST(JinjaLimits, DeepNesting) {
  std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  expect_fast_error(deep, "nested too deeply");
  std::string chain = "{{ 1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  expect_fast_error(chain + " }}", "nested too deeply");
  std::string nots = "{{ " + std::string(0, ' ');
  for (int i = 0; i < 5000; ++i) nots += "not ";
  expect_fast_error(nots + "1 }}", "nested too deeply");
  std::string blocks;
  for (int i = 0; i < 5000; ++i) blocks += "{% if true %}";
  expect_fast_error(blocks, "nested too deeply");
  expect_fast_error("{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = [ns.l] %}{% endfor %}",
                    "nested deeper than 256 levels");
}

TEST(JinjaLimits, DeepJsonInput) {
  std::string deep = std::string(2000, '[') + std::string(2000, ']');
  expect_fast_error("{{ v }}", "nested deeper than 256 levels", (std::string(R"({"v": )") + deep + "}").c_str());
}

TEST(JinjaLimits, CustomLimits) {
  RenderOptions small;
  small.limits.max_loop_iterations = 10;
  EXPECT_THAT(error_of("{% for i in range(11) %}{% endfor %}", "{}", small), HasSubstr("exceeded 10 loop iterations"));
  EXPECT_EQ(render("{% for i in range(10) %}{% endfor %}ok", "{}", small), "ok");
  small.limits.max_string_bytes = 100;
  EXPECT_THAT(error_of("{{ 'x' * 101 }}", "{}", small), HasSubstr("exceeded 100 bytes"));
  small.limits.max_range = 5;
  EXPECT_THAT(error_of("{{ range(6) }}", "{}", small), HasSubstr("exceeds the limit of 5"));
}

}  // namespace
}  // namespace frugal::jinja
