// Token sampling.
#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
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

void Sampler::apply_penalties(std::vector<float>& l, std::span<const int32_t> history) const {
  const bool any = opt_.repeat_penalty != 1.0f || opt_.presence_penalty != 0.0f || opt_.frequency_penalty != 0.0f;
  if (!any || history.empty() || opt_.repeat_last_n == 0) return;
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

int32_t Sampler::sample(const float* logits, std::span<const int32_t> history) {
  std::vector<float> l(logits, logits + n_vocab_);
  apply_penalties(l, history);
  if (opt_.temperature == 0.0f) return int32_t(std::max_element(l.begin(), l.end()) - l.begin());

  cand_.clear();
  for (int64_t i = 0; i < n_vocab_; ++i) cand_.emplace_back(l[size_t(i)] / opt_.temperature, int32_t(i));
  auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  size_t k = cand_.size();
  if (opt_.top_k > 0 && size_t(opt_.top_k) < k) k = size_t(opt_.top_k);
  std::partial_sort(cand_.begin(), cand_.begin() + std::ptrdiff_t(k), cand_.end(), by_logit);
  cand_.resize(k);
  // softmax over the survivors
  const float mx = cand_[0].first;
  double sum = 0;
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
