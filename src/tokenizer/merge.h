// BPE merge loop shared by byte-level BPE and SentencePiece: a heap of candidate pairs over a linked list.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace frugal::tok {

// One symbol of a word being merged: a token id (or -1) covering bytes [start, start + len).
struct Symbol {
  int32_t id;
  uint32_t start;
  uint32_t len;
  int32_t prev;
  int32_t next;
};

struct MergeCandidate {
  double priority;  // lower merges first
  int32_t left;     // symbol index; ties go to the leftmost pair
  int32_t right;
  int32_t result;
  uint32_t len;  // left.len + right.len when queued: detects stale entries
};

// Reusable scratch for merge_symbols (one per encode call).
struct MergeScratch {
  std::vector<Symbol> symbols;
  std::vector<MergeCandidate> heap;
};

// Repeatedly merges the best adjacent pair until none applies. `rule(left, right, priority, result)`
// returns true when the pair may merge into token `result` with the given priority.
// Equal priorities merge left to right, as in Hugging Face's BPE and SentencePiece.
template <typename Rule>
void merge_symbols(MergeScratch& s, const Rule& rule) {
  auto& sym = s.symbols;
  auto& heap = s.heap;
  heap.clear();
  const auto worse = [](const MergeCandidate& a, const MergeCandidate& b) {
    return a.priority > b.priority || (a.priority == b.priority && a.left > b.left);
  };
  const auto try_add = [&](int32_t l, int32_t r) {
    if (l < 0 || r < 0) return;
    double prio = 0;
    int32_t result = -1;
    if (!rule(sym[l], sym[r], prio, result)) return;
    heap.push_back({prio, l, r, result, sym[l].len + sym[r].len});
    std::push_heap(heap.begin(), heap.end(), worse);
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(sym.size()); ++i) try_add(i, i + 1);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), worse);
    const MergeCandidate c = heap.back();
    heap.pop_back();
    Symbol& l = sym[c.left];
    Symbol& r = sym[c.right];
    if (l.len == 0 || r.len == 0 || l.next != c.right || l.len + r.len != c.len) continue;  // stale
    l.id = c.result;
    l.len += r.len;
    l.next = r.next;
    r.len = 0;
    if (r.next >= 0) sym[r.next].prev = c.left;
    try_add(l.prev, c.left);
    try_add(c.left, l.next);
  }
}

}  // namespace frugal::tok
