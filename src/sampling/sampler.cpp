// Token sampling.
#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <unordered_map>

#include "base/error.h"

namespace frugal {

Sampler::Sampler(const SamplerOptions& opt, int64_t n_vocab) : opt_(opt), n_vocab_(n_vocab), rng_(opt.seed) {
  FRUGAL_CHECK(opt.temperature >= 0, "temperature must be >= 0, got {}", opt.temperature);
  FRUGAL_CHECK(opt.top_p > 0 && opt.top_p <= 1, "top_p must be in (0, 1], got {}", opt.top_p);
  FRUGAL_CHECK(opt.min_p >= 0 && opt.min_p <= 1, "min_p must be in [0, 1], got {}", opt.min_p);
  FRUGAL_CHECK(opt.top_k >= 0, "top_k must be >= 0, got {}", opt.top_k);
  FRUGAL_CHECK(opt.repeat_penalty > 0, "repeat_penalty must be > 0, got {}", opt.repeat_penalty);
}

double Sampler::uniform() { return double(rng_() >> 11) * (1.0 / 9007199254740992.0); }

bool Sampler::has_penalties(std::span<const int32_t> history) const {
  const bool any = opt_.repeat_penalty != 1.0f || opt_.presence_penalty != 0.0f || opt_.frequency_penalty != 0.0f;
  return any && !history.empty() && opt_.repeat_last_n != 0;
}

void Sampler::apply_penalties(std::vector<float>& l, std::span<const int32_t> history) const {
  if (!has_penalties(history)) return;
  size_t n = history.size();
  if (opt_.repeat_last_n > 0) n = std::min(n, size_t(opt_.repeat_last_n));
  std::unordered_map<int32_t, int> count;
  for (size_t i = history.size() - n; i < history.size(); ++i) ++count[history[i]];
  for (auto [tok, c] : count) {
    if (tok < 0 || tok >= n_vocab_) continue;
    float& v = l[size_t(tok)];
    v = v > 0 ? v / opt_.repeat_penalty : v * opt_.repeat_penalty;
    v -= opt_.presence_penalty + opt_.frequency_penalty * float(c);
  }
}

namespace {

// The first index of the largest value (as std::max_element), with eight independent running
// maxima the compiler vectorises: std::max_element's one dependent chain took ~100 us over a
// 151,680-entry vocabulary.
size_t argmax(std::span<const float> l) {
  float lane[8];
  const size_t n = l.size();
  if (n < 8) return size_t(std::max_element(l.begin(), l.end()) - l.begin());
  std::copy_n(l.begin(), 8, lane);
  size_t i = 8;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) lane[k] = l[i + size_t(k)] > lane[k] ? l[i + size_t(k)] : lane[k];
  float best = *std::max_element(lane, lane + 8);
  for (; i < n; ++i) best = l[i] > best ? l[i] : best;
  for (size_t j = 0; j < n; ++j)
    if (l[j] == best) return j;
  return size_t(std::max_element(l.begin(), l.end()) - l.begin());  // NaNs only
}

bool by_logit(const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
  return a.first > b.first || (a.first == b.first && a.second < b.second);
}

}  // namespace

// The k best of l / temperature (k < l.size()), best first (ties: the lower id first), into
// cand_. A first pass keeps the k best raw logits in a small heap (dividing by the temperature
// keeps their order, and a division per entry cost more than the rest of the pass); only entries
// whose scaled value reaches the k-th best scaled value become candidates (more than k where
// values tie): one pass over the vocabulary instead of a partial sort of all of it.
void Sampler::take_top_k(std::span<const float> l, size_t k) {
  const float temp = opt_.temperature;
  heap_.assign(l.begin(), l.begin() + std::ptrdiff_t(k));
  std::make_heap(heap_.begin(), heap_.end(), std::greater<float>());
  // Blocks of 64 entries none of which beats the heap's smallest (nearly all of them once the
  // heap holds large values) cost one vectorised count.
  constexpr size_t kBlock = 64;
  for (size_t b = k; b < l.size(); b += kBlock) {
    const size_t e = std::min(l.size(), b + kBlock);
    const float floor = heap_.front();
    int above = 0;
    for (size_t i = b; i < e; ++i) above += l[i] > floor;
    if (above == 0) continue;
    for (size_t i = b; i < e; ++i)
      if (l[i] > heap_.front()) {
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<float>());
        heap_.back() = l[i];
        std::push_heap(heap_.begin(), heap_.end(), std::greater<float>());
      }
  }
  // A logit a little below the k-th can round to the same scaled value: the exact test runs on
  // everything within a relative 1e-5 of it.
  const float kth = heap_.front(), kth_scaled = kth / temp;
  const float near = std::isfinite(kth) ? kth - std::abs(kth) * 1e-5f - std::numeric_limits<float>::min() : kth;
  cand_.clear();
  for (size_t i = 0; i < l.size(); ++i)
    if (l[i] >= near)
      if (const float v = l[i] / temp; v >= kth_scaled) cand_.emplace_back(v, int32_t(i));
  k = std::min(k, cand_.size());
  std::partial_sort(cand_.begin(), cand_.begin() + std::ptrdiff_t(k), cand_.end(), by_logit);
  cand_.resize(k);
}

// Without top-k: every entry is a candidate, sorted best first. With min-p, an entry whose
// exp(scaled - best) falls clearly below min_p can never be kept (min-p removes it whatever top-p
// does), so it only adds exp(scaled - best) to the softmax sum, which is returned; the sort then
// covers tens of entries instead of the whole vocabulary (16 ms per token for 151,680).
double Sampler::take_all(std::span<const float> l) {
  const float temp = opt_.temperature;
  cand_.clear();
  if (opt_.min_p <= 0.0f) {
    // A NaN would break the sort's ordering (and std::sort may then read out of bounds).
    for (size_t i = 0; i < l.size(); ++i)
      cand_.emplace_back(std::isnan(l[i]) ? -std::numeric_limits<float>::infinity() : l[i] / temp, int32_t(i));
    std::sort(cand_.begin(), cand_.end(), by_logit);
    return 0;
  }
  const float best = l[argmax(l)] / temp;
  const float cut = best + std::log(opt_.min_p) - 1e-3f;  // the margin covers float rounding
  double rest = 0;
  for (size_t i = 0; i < l.size(); ++i) {
    const float v = l[i] / temp;
    if (v >= cut) {
      cand_.emplace_back(v, int32_t(i));
    } else {
      rest += std::exp(v - best);
    }
  }
  std::sort(cand_.begin(), cand_.end(), by_logit);
  return rest;
}

int32_t Sampler::sample(const float* logits, std::span<const int32_t> history) {
  std::span<const float> l(logits, size_t(n_vocab_));
  if (has_penalties(history)) {
    work_.assign(logits, logits + n_vocab_);  // reused: no allocation (and no fresh pages) per token
    apply_penalties(work_, history);
    l = work_;
  }
  if (opt_.temperature == 0.0f) return int32_t(argmax(l));

  double sum = 0;
  if (opt_.top_k > 0 && size_t(opt_.top_k) < l.size()) {
    take_top_k(l, size_t(opt_.top_k));
  } else {
    sum = take_all(l);
  }
  if (cand_.empty()) return int32_t(argmax(l));  // only with NaN logits (a broken model)
  // softmax over the survivors
  const float mx = cand_[0].first;
  for (auto& c : cand_) {
    c.first = std::exp(c.first - mx);
    sum += c.first;
  }
  for (auto& c : cand_) c.first = float(c.first / sum);
  // top-p: smallest prefix with cumulative probability >= top_p
  if (opt_.top_p < 1.0f) {
    double cum = 0;
    size_t keep = cand_.size();
    for (size_t i = 0; i < cand_.size(); ++i) {
      cum += cand_[i].first;
      if (cum >= opt_.top_p) {
        keep = i + 1;
        break;
      }
    }
    cand_.resize(keep);
  }
  if (opt_.min_p > 0.0f) {
    const float floor = opt_.min_p * cand_[0].first;
    size_t keep = 1;
    while (keep < cand_.size() && cand_[keep].first >= floor) ++keep;
    cand_.resize(keep);
  }
  double total = 0;
  for (const auto& c : cand_) total += c.first;
  double r = uniform() * total;
  for (const auto& c : cand_) {
    r -= c.first;
    if (r < 0) return c.second;
  }
  return cand_.back().second;
}

}  // namespace frugal
