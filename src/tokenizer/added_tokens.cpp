// Trie of added tokens and the leftmost-longest splitter (see added_tokens.h).
#include "tokenizer/added_tokens.h"

#include <algorithm>

namespace frugal::tok {

AddedTokenMatcher::AddedTokenMatcher(const Vocab& v) {
  nodes_.emplace_back();
  for (int32_t id = 0; id < v.size(); ++id) {
    const TokenType t = v.type[id];
    if (t != TokenType::Control && t != TokenType::UserDefined && t != TokenType::Unknown) continue;
    const std::string& text = v.text[id];
    if (text.empty()) continue;
    int32_t node = 0;
    for (char c : text) {
      const auto b = static_cast<uint8_t>(c);
      int32_t next = child(node, b);
      if (next < 0) {
        next = static_cast<int32_t>(nodes_.size());
        auto& ch = nodes_[node].children;
        ch.insert(std::lower_bound(ch.begin(), ch.end(), std::pair<uint8_t, int32_t>{b, -1}), {b, next});
        nodes_.emplace_back();
      }
      node = next;
    }
    if (nodes_[node].token < 0) {  // duplicates: the first id wins
      nodes_[node].token = id;
      nodes_[node].user_defined = t == TokenType::UserDefined;
    }
    first_byte_[static_cast<uint8_t>(text[0])] = true;
  }
}

int32_t AddedTokenMatcher::child(int32_t node, uint8_t b) const {
  const auto& ch = nodes_[node].children;
  const auto it = std::lower_bound(ch.begin(), ch.end(), std::pair<uint8_t, int32_t>{b, -1});
  return it != ch.end() && it->first == b ? it->second : -1;
}

size_t AddedTokenMatcher::match_at(std::string_view text, size_t i, bool parse_special, int32_t& token) const {
  size_t best = 0;
  int32_t node = 0;
  for (size_t j = i; j < text.size(); ++j) {
    node = child(node, static_cast<uint8_t>(text[j]));
    if (node < 0) break;
    const Node& n = nodes_[node];
    if (n.token >= 0 && (parse_special || n.user_defined)) {
      best = j + 1 - i;
      token = n.token;
    }
  }
  return best;
}

void AddedTokenMatcher::split(std::string_view text, bool parse_special, std::vector<Segment>& out) const {
  size_t plain = 0;
  size_t i = 0;
  if (nodes_.size() > 1) {
    while (i < text.size()) {
      int32_t token = -1;
      const size_t len = first_byte_[static_cast<uint8_t>(text[i])] ? match_at(text, i, parse_special, token) : 0;
      if (len == 0) {
        ++i;
        continue;
      }
      if (i > plain) out.push_back({plain, i, -1});
      out.push_back({i, i + len, token});
      i += len;
      plain = i;
    }
  }
  if (plain < text.size()) out.push_back({plain, text.size(), -1});
}

}  // namespace frugal::tok
