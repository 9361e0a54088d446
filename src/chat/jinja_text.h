// UTF-8 and Python str helpers for the Jinja interpreter: code points, whitespace, case, split.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace frugal::jinja::text {

// Decodes the code point at s[i] and advances i; invalid bytes decode as themselves (one byte).
uint32_t next_cp(std::string_view s, size_t& i);
// Decodes the code point that ends at s[i - 1] and moves i to its start.
uint32_t prev_cp(std::string_view s, size_t& i);
// Byte offset of code point `index` (s.size() past the end), walking from the start.
size_t cp_to_byte(std::string_view s, size_t index);
void append_utf8(std::string& out, uint32_t cp);
bool is_ascii(std::string_view s);
size_t cp_count(std::string_view s);

// Python str.isspace() for one code point.
bool is_space(uint32_t cp);
uint32_t to_lower(uint32_t cp);  // ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic
uint32_t to_upper(uint32_t cp);
std::string lower(std::string_view s);
std::string upper(std::string_view s);
std::string capitalize(std::string_view s);  // first upper, rest lower (Python)
std::string title(std::string_view s);       // Jinja's |title: words start after space - ( { [ <
std::string title_method(std::string_view s);  // Python str.title(): words start after uncased chars

// Python str.strip/lstrip/rstrip: chars empty = whitespace.
std::string strip(std::string_view s, std::string_view chars, bool use_chars, bool left, bool right);
// Python str.split(None, maxsplit) and str.split(sep, maxsplit); rsplit likewise.
std::vector<std::string> split_ws(std::string_view s, int64_t maxsplit);
std::vector<std::string> split_sep(std::string_view s, std::string_view sep, int64_t maxsplit);
std::vector<std::string> rsplit_ws(std::string_view s, int64_t maxsplit);
std::vector<std::string> rsplit_sep(std::string_view s, std::string_view sep, int64_t maxsplit);
std::vector<std::string> splitlines(std::string_view s, bool keepends);
// Python str.replace; count < 0 replaces all.
std::string replace(std::string_view s, std::string_view from, std::string_view to, int64_t count);
size_t count(std::string_view s, std::string_view sub);
// Upper bounds on what the splitters return, to check before allocating.
size_t count_words(std::string_view s);
size_t count_lines(std::string_view s);

}  // namespace frugal::jinja::text
