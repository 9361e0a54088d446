// Decode attention split over positions: each token's cached positions cut into ranges that run
// as separate tasks (each key/value row read by one thread) and are merged through their softmax
// sums (kernels::HeadGroup::lse, kernels::merge_attention_parts). Used where a token has fewer
// independent pieces of attention than threads: latent attention (one per token) and GQA decode
// with few KV heads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "layers/batch.h"

namespace frugal {

struct PositionRanges {
  struct Range {
    int64_t t, part, p0, p1;  // token, its range index, positions [p0, p1)
  };
  int64_t max_parts = 1;          // ranges per token at most
  int64_t max_len = 0;            // the longest token's positions
  std::vector<int64_t> n_parts;   // per token
  std::vector<Range> ranges;      // every token's, in token order

  // About two ranges per thread over all `units` pieces (tokens x pieces per token), each of at
  // least kMinRange positions, so short contexts keep every thread busy too.
  static constexpr int64_t kMinRange = 16;
  PositionRanges(const Batch& batch, int64_t units, int64_t threads) {
    const int64_t T = batch.size();
    max_parts = std::max<int64_t>(1, (2 * threads + units - 1) / std::max<int64_t>(1, units));
    n_parts.resize(static_cast<size_t>(T));
    for (int64_t t = 0; t < T; ++t) {
      const int64_t n = batch.pos[size_t(t)] + 1, np = std::clamp<int64_t>(n / kMinRange, 1, max_parts);
      max_len = std::max(max_len, n);
      n_parts[size_t(t)] = np;
      for (int64_t c = 0; c < np; ++c) ranges.push_back({t, c, n * c / np, n * (c + 1) / np});
    }
  }
  bool split(int64_t t) const { return n_parts[size_t(t)] > 1; }
};

}  // namespace frugal
