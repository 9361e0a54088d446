// Finds added (control / user-defined) tokens written in text: leftmost-longest, as Hugging Face does.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/vocab.h"

namespace frugal::tok {

struct Segment {
  size_t begin = 0;
  size_t end = 0;
  int32_t token = -1;  // >= 0: this span is that added token; -1: plain text
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  explicit AddedTokenMatcher(const Vocab& v);

  // Splits text into plain-text and added-token segments. With parse_special false only
  // user-defined tokens are recognised; control and unknown tokens stay plain text.
  void split(std::string_view text, bool parse_special, std::vector<Segment>& out) const;

 private:
  struct Node {
    std::vector<std::pair<uint8_t, int32_t>> children;  // sorted by byte
    int32_t token = -1;
    bool user_defined = false;
  };
  int32_t child(int32_t node, uint8_t b) const;
  // Length of the longest allowed token starting at text[i] (0 if none), and its id.
  size_t match_at(std::string_view text, size_t i, bool parse_special, int32_t& token) const;

  std::vector<Node> nodes_;
  bool first_byte_[256] = {};
};

}  // namespace frugal::tok
