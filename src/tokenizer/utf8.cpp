// UTF-8 helpers for the tokenizers (see utf8.h).
#include "base/utf8.h"
#include "tokenizer/utf8.h"

#include <array>

namespace frugal::tok {
namespace {

struct SeqScan {
  size_t need;  // length of a complete sequence with this lead byte (0: invalid lead)
  size_t got;   // bytes that match a well-formed prefix (>= 1)
};

// Scans the sequence at s[i] against Unicode Table 3-7 (well-formed UTF-8 byte sequences).
SeqScan scan(std::string_view s, size_t i) {
  const auto b = static_cast<uint8_t>(s[i]);
  if (b < 0x80) return {1, 1};
  size_t need = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    need = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return {0, 1};
  }
  size_t got = 1;
  while (got < need && i + got < s.size()) {
    const auto c = static_cast<uint8_t>(s[i + got]);
    const uint8_t l = got == 1 ? lo : 0x80, h = got == 1 ? hi : 0xBF;
    if (c < l || c > h) break;
    ++got;
  }
  return {need, got};
}

}  // namespace

size_t utf8_valid_len(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  const SeqScan r = scan(s, i);
  return r.need != 0 && r.got == r.need ? r.need : 0;
}

size_t utf8_subpart_len(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  return scan(s, i).got;
}

uint32_t utf8_decode(std::string_view s, size_t i, size_t len) {
  const auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(s[i + k])); };
  switch (len) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

void utf8_append(std::string& out, uint32_t cp) { frugal::append_utf8(out, cp); }

void utf8_lossy_append(std::string& out, std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // Copy runs of ASCII quickly.
    size_t j = i;
    while (j < s.size() && static_cast<uint8_t>(s[j]) < 0x80) ++j;
    out.append(s.data() + i, j - i);
    i = j;
    if (i >= s.size()) break;
    const SeqScan r = scan(s, i);
    if (r.need != 0 && r.got == r.need) {
      out.append(s.data() + i, r.need);
    } else {
      out += "\xEF\xBF\xBD";
    }
    i += r.got;
  }
}

std::string utf8_lossy(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  utf8_lossy_append(out, s);
  return out;
}

size_t utf8_incomplete_tail(std::string_view s) {
  // The last sequence starts at most 3 bytes before the end.
  const size_t n = s.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto b = static_cast<uint8_t>(s[n - back]);
    if ((b & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    const SeqScan r = scan(s, n - back);
    return (r.need > back && r.got == back) ? back : 0;
  }
  return 0;
}

const ByteLevelMap& byte_level_map() {
  static const ByteLevelMap map = [] {
    ByteLevelMap m{};
    for (auto& v : m.cp_to_byte) v = -1;
    uint16_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      m.byte_to_cp[b] = printable ? static_cast<uint16_t>(b) : next++;
      m.cp_to_byte[m.byte_to_cp[b]] = static_cast<int16_t>(b);
    }
    return m;
  }();
  return map;
}

bool byte_level_decode(std::string_view text, std::string& out) {
  const ByteLevelMap& m = byte_level_map();
  const size_t mark = out.size();
  size_t i = 0;
  while (i < text.size()) {
    const size_t len = utf8_valid_len(text, i);
    if (len == 0) break;
    const uint32_t cp = utf8_decode(text, i, len);
    if (cp >= 324 || m.cp_to_byte[cp] < 0) break;
    out += static_cast<char>(m.cp_to_byte[cp]);
    i += len;
  }
  if (i == text.size()) return true;
  out.resize(mark);
  return false;
}

std::string byte_level_encode(std::string_view bytes) {
  const ByteLevelMap& m = byte_level_map();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) utf8_append(out, m.byte_to_cp[static_cast<uint8_t>(c)]);
  return out;
}

}  // namespace frugal::tok
