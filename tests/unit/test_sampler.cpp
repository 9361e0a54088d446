// Sampler: greedy, seeded determinism, truncation rules and penalties on hand-computed cases.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <limits>
#include <map>
#include <random>

#include "base/error.h"
#include "sampling/sampler.h"

namespace frugal {
namespace {

SamplerOptions plain(float temp) {
  SamplerOptions o;
  o.temperature = temp;
  o.top_k = 0;
  o.top_p = 1.0f;
  o.min_p = 0.0f;
  return o;
}

TEST(Sampler, GreedyPicksArgmax) {
  Sampler s(plain(0), 5);
  const float l[5] = {0.1f, 2.0f, -1.0f, 1.9f, 0.0f};
  EXPECT_EQ(s.sample(l, {}), 1);
}

TEST(Sampler, SameSeedSameOutput) {
  std::vector<float> l(100);
  for (int i = 0; i < 100; ++i) l[size_t(i)] = std::sin(float(i));
  auto run = [&](uint64_t seed) {
    SamplerOptions o = plain(1.0f);
    o.seed = seed;
    Sampler s(o, 100);
    std::vector<int32_t> out;
    for (int i = 0; i < 50; ++i) out.push_back(s.sample(l.data(), {}));
    return out;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

TEST(Sampler, TopKRestrictsToKBest) {
  SamplerOptions o = plain(1.0f);
  o.top_k = 2;
  Sampler s(o, 4);
  const float l[4] = {1.0f, 3.0f, 2.9f, 0.0f};
  for (int i = 0; i < 200; ++i) {
    const int32_t t = s.sample(l, {});
    EXPECT_TRUE(t == 1 || t == 2) << t;
  }
}

// Top-k over a large vocabulary with ties at the k-th value: the tied tokens with the lower ids
// are the ones kept, exactly as a full sort by (value, id) would keep them.
TEST(Sampler, TopKKeepsLowerIdsAmongTies) {
  SamplerOptions o = plain(1.0f);
  o.top_k = 5;
  const int n = 50000;
  std::vector<float> l(size_t(n), -3.0f);
  l[40000] = 2.0f, l[30000] = 2.0f, l[7] = 1.0f;  // three above the tie
  for (int i : {45000, 100, 20000, 99}) l[size_t(i)] = 0.5f;  // four tied for the last two places
  Sampler s(o, n);
  std::map<int32_t, int> seen;
  for (int i = 0; i < 3000; ++i) ++seen[s.sample(l.data(), {})];
  std::vector<int32_t> ids;
  for (auto [id, c] : seen) ids.push_back(id);
  EXPECT_EQ(ids, (std::vector<int32_t>{7, 99, 100, 30000, 40000}));
}

// The kept set (top-p then min-p after a softmax over the whole vocabulary, no top-k) computed
// the plain way: the sampler, which sorts only the entries min-p can keep, must draw from exactly
// this set.
std::vector<int32_t> reference_kept(const std::vector<float>& l, float temp, float top_p, float min_p) {
  std::vector<std::pair<double, int32_t>> c;
  for (size_t i = 0; i < l.size(); ++i) c.emplace_back(double(l[i]) / temp, int32_t(i));
  std::sort(c.begin(), c.end(), [](auto& a, auto& b) { return a.first > b.first; });
  double sum = 0;
  for (auto& [v, id] : c) sum += std::exp(v - c[0].first);
  std::vector<int32_t> kept;
  double cum = 0;
  for (auto& [v, id] : c) {
    const double p = std::exp(v - c[0].first) / sum;
    if (p < min_p / sum) break;  // p_max = 1 / sum
    kept.push_back(id);
    if ((cum += p) >= top_p) break;
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

TEST(Sampler, NoTopKMatchesPlainSoftmaxTopPMinP) {
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0, 2);
  std::vector<float> l(20000);
  for (auto& v : l) v = g(rng);
  for (auto [top_p, min_p] : {std::pair{0.95f, 0.05f}, {0.5f, 0.02f}, {1.0f, 0.1f}}) {
    SamplerOptions o = plain(0.7f);
    o.top_p = top_p, o.min_p = min_p;
    Sampler s(o, int64_t(l.size()));
    std::map<int32_t, int> seen;
    for (int i = 0; i < 6000; ++i) ++seen[s.sample(l.data(), {})];
    std::vector<int32_t> ids;
    for (auto [id, n] : seen) ids.push_back(id);
    const auto want = reference_kept(l, 0.7f, top_p, min_p);
    EXPECT_GE(want.size(), 2u);
    EXPECT_EQ(ids, want) << "top_p " << top_p << " min_p " << min_p;
  }
}

// Logits a broken model could produce (infinities, NaNs) give an id in range, never a crash.
TEST(Sampler, NonFiniteLogitsGiveAnIdInRange) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<std::vector<float>> cases = {
      std::vector<float>(100, nan), std::vector<float>(100, inf), std::vector<float>(100, -inf),
      {nan, 1, 2, inf, -inf, 3, nan, 0, 1, 2}};
  for (int top_k : {0, 1, 3}) {
    for (const auto& l : cases) {
      for (float min_p : {0.0f, 0.05f}) {
        SamplerOptions o;
        o.top_k = top_k, o.min_p = min_p;
        Sampler s(o, int64_t(l.size()));
        for (int i = 0; i < 20; ++i) {
          const int32_t id = s.sample(l.data(), {});
          EXPECT_TRUE(id >= 0 && id < int32_t(l.size())) << id;
        }
      }
    }
  }
}

TEST(Sampler, TopPKeepsSmallestPrefix) {
  // probabilities 0.5, 0.3, 0.2 -> top_p 0.7 keeps the first two
  SamplerOptions o = plain(1.0f);
  o.top_p = 0.7f;
  Sampler s(o, 3);
  const float l[3] = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
  std::map<int32_t, int> seen;
  for (int i = 0; i < 2000; ++i) seen[s.sample(l, {})]++;
  EXPECT_EQ(seen.count(2), 0u);
  // among the survivors, ratio 5:3 (renormalised)
  EXPECT_NEAR(double(seen[0]) / 2000.0, 0.625, 0.05);
}

TEST(Sampler, MinPDropsUnlikely) {
  SamplerOptions o = plain(1.0f);
  o.min_p = 0.5f;  // keep p >= 0.5 * p_max
  Sampler s(o, 3);
  const float l[3] = {std::log(0.6f), std::log(0.32f), std::log(0.08f)};
  for (int i = 0; i < 500; ++i) EXPECT_NE(s.sample(l, {}), 2);
}

TEST(Sampler, TemperatureSharpens) {
  const float l[2] = {1.0f, 0.0f};
  auto freq0 = [&](float temp) {
    SamplerOptions o = plain(temp);
    o.seed = 7;
    Sampler s(o, 2);
    int n = 0;
    for (int i = 0; i < 4000; ++i) n += s.sample(l, {}) == 0;
    return double(n) / 4000.0;
  };
  EXPECT_NEAR(freq0(1.0f), 1.0 / (1.0 + std::exp(-1.0)), 0.03);
  EXPECT_NEAR(freq0(0.5f), 1.0 / (1.0 + std::exp(-2.0)), 0.03);
}

TEST(Sampler, RepetitionPenaltyChangesGreedyChoice) {
  SamplerOptions o = plain(0);
  o.repeat_penalty = 2.0f;
  Sampler s(o, 3);
  const float l[3] = {2.0f, 1.5f, -1.0f};
  const std::vector<int32_t> hist = {0};
  EXPECT_EQ(s.sample(l, hist), 1);  // 2.0 / 2 = 1.0 < 1.5
  Sampler plain_s(plain(0), 3);
  EXPECT_EQ(plain_s.sample(l, hist), 0);
}

TEST(Sampler, PresenceAndFrequencyPenalties) {
  SamplerOptions o = plain(0);
  o.frequency_penalty = 0.4f;
  Sampler s(o, 2);
  const float l[2] = {1.0f, 0.5f};
  EXPECT_EQ(s.sample(l, std::vector<int32_t>{0}), 0);     // 1.0 - 0.4 = 0.6 > 0.5
  EXPECT_EQ(s.sample(l, std::vector<int32_t>{0, 0}), 1);  // 1.0 - 0.8 = 0.2 < 0.5
  SamplerOptions p = plain(0);
  p.presence_penalty = 0.6f;
  Sampler sp(p, 2);
  EXPECT_EQ(sp.sample(l, std::vector<int32_t>{0}), 1);  // 0.4 < 0.5
}

TEST(Sampler, RejectsBadOptions) {
  SamplerOptions o;
  o.top_p = 0.0f;
  EXPECT_THROW(Sampler(o, 10), Error);
  o = SamplerOptions{};
  o.temperature = -1.0f;
  EXPECT_THROW(Sampler(o, 10), Error);
}

}  // namespace
}  // namespace frugal
