// A batch of tokens drawn from one or more sequences, each with its own position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace frugal {

struct Batch {
  std::vector<int32_t> tokens;
  std::vector<int32_t> pos;      // position of each token in its sequence
  std::vector<int32_t> seq;      // sequence id of each token (index into the KV cache)
  std::vector<uint8_t> logits;   // 1 if the caller wants logits for this token

  int64_t size() const { return int64_t(tokens.size()); }
  int64_t n_logits() const {
    int64_t n = 0;
    for (auto l : logits) n += l;
    return n;
  }
  void add(int32_t token, int32_t position, int32_t seq_id, bool want_logits) {
    tokens.push_back(token);
    pos.push_back(position);
    seq.push_back(seq_id);
    logits.push_back(want_logits ? 1 : 0);
  }
  void clear() {
    tokens.clear();
    pos.clear();
    seq.clear();
    logits.clear();
  }
  // Tiles of up to max_tile consecutive tokens of one sequence (attention shares each key and
  // value row it reads among a tile's queries): the first token of each tile, then size().
  std::vector<int64_t> token_tiles(int64_t max_tile) const {
    std::vector<int64_t> first;
    for (int64_t t = 0; t < size(); ++t)
      if (first.empty() || seq[size_t(t)] != seq[size_t(first.back())] || t - first.back() == max_tile)
        first.push_back(t);
    first.push_back(size());
    return first;
  }
};

}  // namespace frugal
