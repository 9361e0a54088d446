// UTF-8 helpers for the tokenizers: validation, lossy repair, and GPT-2's byte <-> unicode map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace frugal::tok {

// Length (1..4) of the well-formed UTF-8 sequence starting at s[i], or 0 if none starts there.
size_t utf8_valid_len(std::string_view s, size_t i);

// Length (>= 1) of the maximal subpart at s[i]: the longest prefix of a well-formed sequence
// (Unicode 3.9 "maximal subpart"); equals utf8_valid_len when a complete sequence starts there.
size_t utf8_subpart_len(std::string_view s, size_t i);

// Code point of the well-formed sequence of length `len` at s[i] (no checks).
uint32_t utf8_decode(std::string_view s, size_t i, size_t len);

void utf8_append(std::string& out, uint32_t cp);

// Copies s, replacing each maximal ill-formed subpart by U+FFFD (as HF / WHATWG decoders do).
std::string utf8_lossy(std::string_view s);
void utf8_lossy_append(std::string& out, std::string_view s);

// Number of bytes at the end of s that form an incomplete but so far well-formed sequence (0..3).
size_t utf8_incomplete_tail(std::string_view s);

// GPT-2 byte-level alphabet: every byte maps to one printable code point below 324.
struct ByteLevelMap {
  uint16_t byte_to_cp[256];
  int16_t cp_to_byte[324];  // -1 where the code point is not in the alphabet
};
const ByteLevelMap& byte_level_map();

// Decodes a byte-level token text into raw bytes; false if a character is outside the alphabet.
bool byte_level_decode(std::string_view text, std::string& out);
// Encodes raw bytes into the byte-level alphabet.
std::string byte_level_encode(std::string_view bytes);

}  // namespace frugal::tok
