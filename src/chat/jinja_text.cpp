// UTF-8 and Python str helpers for the Jinja interpreter.
#include "base/utf8.h"
#include "chat/jinja_text.h"

#include <algorithm>

namespace frugal::jinja::text {

uint32_t next_cp(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len = 1;
  uint32_t cp = b0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07;
  }
  if (len == 1 || i + len > s.size()) {
    ++i;
    return b0;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return b0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

uint32_t prev_cp(std::string_view s, size_t& i) {
  size_t start = i - 1;
  for (int k = 0; k < 3 && start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80; ++k) --start;
  size_t j = start;
  const uint32_t cp = next_cp(s, j);
  if (j != i) {  // not a well-formed sequence ending at i: step back one byte
    i -= 1;
    return static_cast<unsigned char>(s[i]);
  }
  i = start;
  return cp;
}

size_t cp_to_byte(std::string_view s, size_t index) {
  size_t starts = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && starts++ == index) return i;
  }
  return s.size();
}

void append_utf8(std::string& out, uint32_t cp) { frugal::append_utf8(out, cp); }

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

size_t cp_count(std::string_view s) {
  // Every byte that is not a continuation byte starts a code point (exact for valid UTF-8).
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool is_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

namespace {

// Pairs laid out as (upper, lower) alternating from `first` to `last`.
bool in_pair_block(uint32_t cp, uint32_t first, uint32_t last) { return cp >= first && cp <= last; }

}  // namespace

uint32_t to_lower(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (in_pair_block(cp, 0x100, 0x137) || in_pair_block(cp, 0x14A, 0x177)) return cp | 1;
  if (in_pair_block(cp, 0x139, 0x148) || in_pair_block(cp, 0x179, 0x17E)) return (cp & 1) ? cp + 1 : cp;
  if (cp == 0x178) return 0xFF;
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;
  if (cp == 0x386) return 0x3AC;
  if (cp >= 0x388 && cp <= 0x38A) return cp + 37;
  if (cp == 0x38C) return 0x3CC;
  if (cp == 0x38E || cp == 0x38F) return cp + 63;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  if (in_pair_block(cp, 0x460, 0x481) || in_pair_block(cp, 0x48A, 0x4BF)) return cp | 1;
  return cp;
}

uint32_t to_upper(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
  if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) return cp - 32;
  if (cp == 0xFF) return 0x178;
  if (in_pair_block(cp, 0x100, 0x137) || in_pair_block(cp, 0x14A, 0x177)) return cp & ~1u;
  if (in_pair_block(cp, 0x139, 0x148) || in_pair_block(cp, 0x179, 0x17E)) return (cp & 1) ? cp : cp - 1;
  if (cp >= 0x3B1 && cp <= 0x3C9) return cp == 0x3C2 ? 0x3A3 : cp - 32;
  if (cp == 0x3AC) return 0x386;
  if (cp >= 0x3AD && cp <= 0x3AF) return cp - 37;
  if (cp == 0x3CC) return 0x38C;
  if (cp == 0x3CD || cp == 0x3CE) return cp - 63;
  if (cp >= 0x430 && cp <= 0x44F) return cp - 32;
  if (cp >= 0x450 && cp <= 0x45F) return cp - 80;
  if (in_pair_block(cp, 0x460, 0x481) || in_pair_block(cp, 0x48A, 0x4BF)) return cp & ~1u;
  return cp;
}

namespace {

template <typename F>
std::string map_cps(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  size_t idx = 0;
  for (size_t i = 0; i < s.size(); ++idx) {
    const size_t start = i;
    const uint32_t cp = next_cp(s, i);
    const uint32_t m = f(cp, idx);
    if (m == cp) {
      out.append(s.substr(start, i - start));
    } else {
      append_utf8(out, m);
    }
  }
  return out;
}

bool is_cased_letter(uint32_t cp) { return to_lower(cp) != cp || to_upper(cp) != cp; }

}  // namespace

std::string lower(std::string_view s) { return map_cps(s, [](uint32_t c, size_t) { return to_lower(c); }); }
std::string upper(std::string_view s) {
  std::string out = map_cps(s, [](uint32_t c, size_t) { return to_upper(c); });
  for (size_t p = out.find("\xC3\x9F"); p != std::string::npos; p = out.find("\xC3\x9F", p)) out.replace(p, 2, "SS");
  return out;
}

std::string capitalize(std::string_view s) {
  return map_cps(s, [](uint32_t c, size_t i) { return i == 0 ? to_upper(c) : to_lower(c); });
}

std::string title(std::string_view s) {
  bool start = true;
  return map_cps(s, [&start](uint32_t c, size_t) {
    const bool sep = is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    const uint32_t r = sep ? c : (start ? to_upper(c) : to_lower(c));
    start = sep;
    return r;
  });
}

std::string title_method(std::string_view s) {
  bool prev_cased = false;
  return map_cps(s, [&prev_cased](uint32_t c, size_t) {
    const bool cased = is_cased_letter(c);
    const uint32_t r = cased ? (prev_cased ? to_lower(c) : to_upper(c)) : c;
    prev_cased = cased;
    return r;
  });
}

std::string strip(std::string_view s, std::string_view chars, bool use_chars, bool left, bool right) {
  std::vector<uint32_t> set;
  for (size_t i = 0; use_chars && i < chars.size();) set.push_back(next_cp(chars, i));
  auto strip_it = [&](uint32_t cp) {
    return use_chars ? std::find(set.begin(), set.end(), cp) != set.end() : is_space(cp);
  };
  size_t b = 0, e = s.size();  // byte range kept
  while (left && b < e) {
    size_t next = b;
    if (!strip_it(next_cp(s, next))) break;
    b = next;
  }
  while (right && e > b) {
    size_t prev = e;
    if (!strip_it(prev_cp(s, prev)) || prev < b) break;
    e = prev;
  }
  return std::string(s.substr(b, e - b));
}

namespace {

// [start, end) byte ranges of whitespace-separated words.
std::vector<std::pair<size_t, size_t>> words(std::string_view s) {
  std::vector<std::pair<size_t, size_t>> w;
  size_t i = 0;
  while (i < s.size()) {
    size_t p = i;
    if (is_space(next_cp(s, p))) {
      i = p;
      continue;
    }
    const size_t start = i;
    i = p;
    while (i < s.size()) {
      size_t q = i;
      if (is_space(next_cp(s, q))) break;
      i = q;
    }
    w.emplace_back(start, i);
  }
  return w;
}

}  // namespace

std::vector<std::string> split_ws(std::string_view s, int64_t maxsplit) {
  std::vector<std::string> out;
  const auto w = words(s);
  for (size_t k = 0; k < w.size(); ++k) {
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
      out.emplace_back(s.substr(w[k].first));  // the rest, trailing whitespace included
      break;
    }
    out.emplace_back(s.substr(w[k].first, w[k].second - w[k].first));
  }
  return out;
}

std::vector<std::string> rsplit_ws(std::string_view s, int64_t maxsplit) {
  std::vector<std::string> out;
  const auto w = words(s);
  for (size_t k = w.size(); k-- > 0;) {
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
      out.emplace_back(s.substr(0, w[k].second));
      break;
    }
    out.emplace_back(s.substr(w[k].first, w[k].second - w[k].first));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> split_sep(std::string_view s, std::string_view sep, int64_t maxsplit) {
  std::vector<std::string> out;
  size_t start = 0;
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    const size_t p = s.find(sep, start);
    if (p == std::string_view::npos) break;
    out.emplace_back(s.substr(start, p - start));
    start = p + sep.size();
  }
  out.emplace_back(s.substr(start));
  return out;
}

std::vector<std::string> rsplit_sep(std::string_view s, std::string_view sep, int64_t maxsplit) {
  std::vector<std::string> out;
  size_t end = s.size();
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    if (end < sep.size()) break;
    const size_t p = s.rfind(sep, end - sep.size());
    if (p == std::string_view::npos) break;
    out.emplace_back(s.substr(p + sep.size(), end - p - sep.size()));
    end = p;
  }
  out.emplace_back(s.substr(0, end));
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> splitlines(std::string_view s, bool keepends) {
  std::vector<std::string> out;
  size_t start = 0, i = 0;
  while (i < s.size()) {
    const size_t at = i;
    const uint32_t cp = next_cp(s, i);
    const bool brk = cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || (cp >= 0x1C && cp <= 0x1E) ||
                     cp == 0x85 || cp == 0x2028 || cp == 0x2029;
    if (!brk) continue;
    if (cp == '\r' && i < s.size() && s[i] == '\n') ++i;
    out.emplace_back(s.substr(start, (keepends ? i : at) - start));
    start = i;
  }
  if (start < s.size()) out.emplace_back(s.substr(start));
  return out;
}

std::string replace(std::string_view s, std::string_view from, std::string_view to, int64_t count) {
  std::string out;
  if (from.empty()) {  // Python inserts `to` before every code point and at the end
    int64_t n = 0;
    for (size_t i = 0; i < s.size();) {
      if (count < 0 || n < count) out.append(to), ++n;
      const size_t start = i;
      next_cp(s, i);
      out.append(s.substr(start, i - start));
    }
    if (count < 0 || n < count) out.append(to);
    return out;
  }
  size_t start = 0;
  int64_t n = 0;
  while (count < 0 || n < count) {
    const size_t p = s.find(from, start);
    if (p == std::string_view::npos) break;
    out.append(s.substr(start, p - start)).append(to);
    start = p + from.size();
    ++n;
  }
  out.append(s.substr(start));
  return out;
}

size_t count_words(std::string_view s) {
  size_t n = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    const bool space = is_space(next_cp(s, i));
    n += !space && !in_word;
    in_word = !space;
  }
  return n;
}

size_t count_lines(std::string_view s) {
  size_t n = 1;
  for (size_t i = 0; i < s.size();) {
    const uint32_t cp = next_cp(s, i);
    n += cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || (cp >= 0x1C && cp <= 0x1E) || cp == 0x85 ||
         cp == 0x2028 || cp == 0x2029;
  }
  return n;
}

size_t count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return cp_count(s) + 1;
  size_t n = 0;
  for (size_t p = s.find(sub); p != std::string_view::npos; p = s.find(sub, p + sub.size())) ++n;
  return n;
}

}  // namespace frugal::jinja::text
