// Jinja tokenizer, following Jinja2's lexer rules (HF settings: trim_blocks, lstrip_blocks).
#include "chat/jinja_lexer.h"

#include <algorithm>
#include <array>

#include "base/error.h"
#include "chat/jinja_text.h"

namespace frugal::jinja {

void syntax_error(uint32_t line, uint32_t col, const std::string& message) {
  fail("template syntax error at line {}, column {}: {}", line, col, message);
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  Lexer(std::string_view source, const LexOptions& opt) : opt_(opt) { normalize(source); }

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      size_t t = find_tag(pos_);
      if (t == std::string::npos) {
        emit(Tok::Data, src_.substr(pos_), pos_);
        break;
      }
      lex_tag_start(t);
    }
    Token end;
    end.type = Tok::End;
    locate(src_.size(), end);
    toks_.push_back(std::move(end));
    return std::move(toks_);
  }

 private:
  void normalize(std::string_view s) {
    src_.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\r') {
        src_ += '\n';
        if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      } else {
        src_ += s[i];
      }
    }
    if (!opt_.keep_trailing_newline && !src_.empty() && src_.back() == '\n') src_.pop_back();
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  void locate(size_t off, Token& t) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), off) - 1;
    t.line = static_cast<uint32_t>(it - line_starts_.begin() + 1);
    t.col = static_cast<uint32_t>(off - *it + 1);  // bytes: keeps tokenizing linear
  }

  [[noreturn]] void error_at(size_t off, const std::string& msg) const {
    Token t;
    locate(off, t);
    syntax_error(t.line, t.col, msg);
  }

  void emit(Tok type, std::string value, size_t off) {
    Token t;
    t.type = type;
    t.value = std::move(value);
    locate(off, t);
    toks_.push_back(std::move(t));
  }

  size_t find_tag(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    }
    return std::string::npos;
  }

  bool starts(size_t at, std::string_view s) const { return src_.compare(at, s.size(), s) == 0; }

  size_t skip_ws(size_t at) const {
    while (at < src_.size()) {
      size_t next = at;
      if (!text::is_space(text::next_cp(src_, next))) break;
      at = next;
    }
    return at;
  }

  // Text before a tag: '-' strips all trailing whitespace; lstrip_blocks strips a line's indentation.
  std::string strip_before(std::string text, char sign, bool is_variable) const {
    if (sign == '-') return text::strip(text, "", false, false, true);
    if (sign == '+' || !opt_.lstrip_blocks || is_variable) return text;
    const size_t nl = text.rfind('\n');
    const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    if (l_pos == 0 && !line_starting_) return text;
    if (l_pos == text.size()) return text;
    const std::string_view tail = std::string_view(text).substr(l_pos);
    if (text::strip(tail, "", false, true, true).empty()) text.resize(l_pos);
    return text;
  }

  // At `{{`, `{%` or `{#` (offset t): emits the preceding text, then the tag.
  void lex_tag_start(size_t t) {
    const char kind = src_[t + 1];
    const char sign = (t + 2 < src_.size() && (src_[t + 2] == '-' || src_[t + 2] == '+')) ? src_[t + 2] : 0;
    size_t raw_end = 0;
    const bool raw = kind == '%' && match_raw_begin(t, raw_end);
    std::string before = strip_before(src_.substr(pos_, t - pos_), sign, kind == '{');
    if (!before.empty()) emit(Tok::Data, std::move(before), pos_);
    line_starting_ = false;
    if (raw) {
      pos_ = raw_end;
      line_starting_ = src_[pos_ - 1] == '\n';
      lex_raw(t);
    } else if (kind == '#') {
      lex_comment(t, sign);
    } else {
      emit(kind == '{' ? Tok::VarBegin : Tok::BlockBegin, kind == '{' ? "{{" : "{%", t);
      pos_ = t + 2 + (sign ? 1 : 0);
      lex_inside(kind == '{', t);
    }
  }

  bool match_raw_begin(size_t t, size_t& end) const {
    size_t p = t + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    p = skip_ws(p);
    if (!starts(p, "raw")) return false;
    p = skip_ws(p + 3);
    if (starts(p, "-%}")) {
      end = skip_ws(p + 3);
      return true;
    }
    if (starts(p, "%}")) {
      end = p + 2;
      return true;
    }
    return false;
  }

  void lex_raw(size_t begin) {
    for (size_t k = src_.find("{%", pos_); k != std::string::npos; k = src_.find("{%", k + 1)) {
      size_t p = k + 2;
      const char sign = (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ? src_[p] : 0;
      if (sign) ++p;
      p = skip_ws(p);
      if (!starts(p, "endraw")) continue;
      p = skip_ws(p + 6);
      size_t end;
      if (starts(p, "+%}")) {
        end = p + 3;
      } else if (starts(p, "-%}")) {
        end = skip_ws(p + 3);
      } else if (starts(p, "%}")) {
        end = p + 2;
        if (opt_.trim_blocks && end < src_.size() && src_[end] == '\n') ++end;
      } else {
        continue;
      }
      std::string body = strip_before(src_.substr(pos_, k - pos_), sign, false);
      if (!body.empty()) emit(Tok::Data, std::move(body), pos_);
      pos_ = end;
      line_starting_ = src_[end - 1] == '\n';
      return;
    }
    error_at(begin, "missing end of raw directive ({% endraw %})");
  }

  void lex_comment(size_t t, char sign) {
    const size_t start = t + 2 + (sign ? 1 : 0);
    const size_t e = src_.find("#}", start);
    if (e == std::string::npos) error_at(t, "missing end of comment tag");
    const char end_sign = (e > start && (src_[e - 1] == '-' || src_[e - 1] == '+')) ? src_[e - 1] : 0;
    size_t end = e + 2;
    if (end_sign == '-') {
      end = skip_ws(end);
    } else if (end_sign != '+' && opt_.trim_blocks && end < src_.size() && src_[end] == '\n') {
      ++end;
    }
    pos_ = end;
    line_starting_ = src_[end - 1] == '\n';
  }

  // Tokens inside {{ }} or {% %} until the matching end marker.
  void lex_inside(bool variable, size_t tag_start) {
    std::vector<char> balance;
    while (true) {
      if (pos_ >= src_.size()) {
        error_at(tag_start, variable ? "unexpected end of template, '}}' expected" : "unexpected end of template, '%}' expected");
      }
      if (balance.empty() && lex_end_marker(variable)) return;
      const char c = src_[pos_];
      size_t next = pos_;
      if (text::is_space(text::next_cp(src_, next))) {
        pos_ = next;
      } else if (is_digit(c)) {
        lex_number();
      } else if (is_name_start(c)) {
        const size_t s = pos_;
        while (pos_ < src_.size() && is_name_char(src_[pos_])) ++pos_;
        emit(Tok::Name, src_.substr(s, pos_ - s), s);
      } else if (c == '\'' || c == '"') {
        lex_string();
      } else {
        lex_operator(balance);
      }
    }
  }

  bool lex_end_marker(bool variable) {
    if (variable) {
      if (starts(pos_, "-}}")) {
        emit(Tok::VarEnd, "}}", pos_);
        pos_ = skip_ws(pos_ + 3);
      } else if (starts(pos_, "}}")) {
        emit(Tok::VarEnd, "}}", pos_);
        pos_ += 2;
      } else {
        return false;
      }
    } else if (starts(pos_, "+%}")) {
      emit(Tok::BlockEnd, "%}", pos_);
      pos_ += 3;
    } else if (starts(pos_, "-%}")) {
      emit(Tok::BlockEnd, "%}", pos_);
      pos_ = skip_ws(pos_ + 3);
    } else if (starts(pos_, "%}")) {
      emit(Tok::BlockEnd, "%}", pos_);
      pos_ += 2;
      if (opt_.trim_blocks && pos_ < src_.size() && src_[pos_] == '\n') ++pos_;
    } else {
      return false;
    }
    line_starting_ = src_[pos_ - 1] == '\n';
    return true;
  }

  void lex_number() {
    const size_t s = pos_;
    auto digits = [&](auto pred) {
      std::string d;
      while (pos_ < src_.size() && (pred(src_[pos_]) || (src_[pos_] == '_' && pos_ + 1 < src_.size() && pred(src_[pos_ + 1])))) {
        if (src_[pos_] != '_') d += src_[pos_];
        ++pos_;
      }
      return d;
    };
    if (src_[pos_] == '0' && pos_ + 1 < src_.size() && std::string_view("xXoObB").find(src_[pos_ + 1]) != std::string_view::npos) {
      const char base = static_cast<char>(src_[pos_ + 1] | 0x20);
      pos_ += 2;
      const std::string d = digits([base](char c) {
        return base == 'x' ? hex_value(c) >= 0 : (base == 'o' ? (c >= '0' && c <= '7') : (c == '0' || c == '1'));
      });
      if (d.empty()) error_at(s, "invalid integer literal");
      emit(Tok::Int, std::string("0") + base + d, s);
      return;
    }
    std::string num = digits(is_digit);
    const bool after_dot = !toks_.empty() && toks_.back().type == Tok::Op && toks_.back().value == ".";
    bool is_float = false;
    if (!after_dot && pos_ + 1 < src_.size() && src_[pos_] == '.' && is_digit(src_[pos_ + 1])) {
      ++pos_;
      num += "." + digits(is_digit);
      is_float = true;
    }
    if (!after_dot && pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
      if (p < src_.size() && is_digit(src_[p])) {
        num += 'e';
        if (src_[pos_ + 1] == '-') num += '-';
        pos_ = p;
        num += digits(is_digit);
        is_float = true;
      }
    }
    emit(is_float ? Tok::Float : Tok::Int, std::move(num), s);
  }

  void lex_string() {
    const size_t s = pos_;
    const char q = src_[pos_++];
    std::string out;
    while (true) {
      if (pos_ >= src_.size()) error_at(s, "unterminated string literal");
      const char c = src_[pos_];
      if (c == q) break;
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= src_.size()) error_at(s, "unterminated string literal");
      unescape(out);
    }
    ++pos_;
    emit(Tok::String, std::move(out), s);
  }

  // Python unicode-escape rules; unknown escapes keep their backslash.
  void unescape(std::string& out) {
    const char e = src_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case '\n': return;
      case '\\': out += '\\'; return;
      case '\'': out += '\''; return;
      case '"': out += '"'; return;
      case 'a': out += '\a'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'v': out += '\v'; return;
      default: break;
    }
    if (e >= '0' && e <= '7') {
      uint32_t v = static_cast<uint32_t>(e - '0');
      for (int k = 0; k < 2 && pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '7'; ++k) {
        v = v * 8 + static_cast<uint32_t>(src_[pos_++] - '0');
      }
      text::append_utf8(out, v);
      return;
    }
    const int width = e == 'x' ? 2 : (e == 'u' ? 4 : (e == 'U' ? 8 : 0));
    if (width == 0) {
      out += '\\';
      out += e;
      return;
    }
    uint32_t v = 0;
    for (int k = 0; k < width; ++k) {
      const int h = pos_ < src_.size() ? hex_value(src_[pos_]) : -1;
      if (h < 0) error_at(pos_, std::string("truncated \\") + e + " escape in string literal");
      v = v * 16 + static_cast<uint32_t>(h);
      ++pos_;
    }
    if (v >= 0xD800 && v <= 0xDBFF && starts(pos_, "\\u")) {  // surrogate pair
      uint32_t lo = 0;
      bool ok = pos_ + 6 <= src_.size();
      for (int k = 0; ok && k < 4; ++k) {
        const int h = hex_value(src_[pos_ + 2 + static_cast<size_t>(k)]);
        ok = h >= 0;
        lo = lo * 16 + static_cast<uint32_t>(std::max(h, 0));
      }
      if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
        pos_ += 6;
        v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
      }
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) v = 0xFFFD;
    text::append_utf8(out, v);
  }

  void lex_operator(std::vector<char>& balance) {
    static constexpr std::array<std::string_view, 6> kTwo = {"//", "**", "==", "!=", ">=", "<="};
    for (std::string_view op : kTwo) {
      if (starts(pos_, op)) {
        emit(Tok::Op, std::string(op), pos_);
        pos_ += 2;
        return;
      }
    }
    const char c = src_[pos_];
    if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) == std::string_view::npos) {
      error_at(pos_, fmt::format("unexpected character '{}'", c));
    }
    if (c == '(' || c == '[' || c == '{') {
      balance.push_back(c == '(' ? ')' : (c == '[' ? ']' : '}'));
    } else if (c == ')' || c == ']' || c == '}') {
      if (balance.empty()) error_at(pos_, fmt::format("unexpected '{}'", c));
      if (balance.back() != c) error_at(pos_, fmt::format("unexpected '{}', expected '{}'", c, balance.back()));
      balance.pop_back();
    }
    emit(Tok::Op, std::string(1, c), pos_);
    ++pos_;
  }

  LexOptions opt_;
  std::string src_;
  std::vector<size_t> line_starts_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  bool line_starting_ = true;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexOptions& options) {
  return Lexer(source, options).run();
}

}  // namespace frugal::jinja
