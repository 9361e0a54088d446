// Expert routing: softmax/sigmoid gating, normalisation, scaling, selection bias, group-limited
// routing, ties, and every expert used — each against hand-computed expectations.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "layers/moe.h"

namespace frugal {
namespace {

std::vector<ExpertChoice> route(const RouterOptions& o, const std::vector<float>& logits,
                                const std::vector<float>& bias = {}) {
  std::vector<ExpertChoice> out(size_t(o.n_expert_used));
  route_token(o, logits.data(), bias.empty() ? nullptr : bias.data(), out.data());
  return out;
}

TEST(Routing, SoftmaxTopKUnnormalised) {
  RouterOptions o;
  o.n_expert = 4;
  o.n_expert_used = 2;
  const std::vector<float> l = {1.0f, 3.0f, 2.0f, 0.0f};
  const auto c = route(o, l);
  double z = std::exp(1.0) + std::exp(3.0) + std::exp(2.0) + 1.0;
  EXPECT_EQ(c[0].expert, 1);
  EXPECT_EQ(c[1].expert, 2);
  EXPECT_NEAR(c[0].weight, std::exp(3.0) / z, 1e-6);
  EXPECT_NEAR(c[1].weight, std::exp(2.0) / z, 1e-6);
}

TEST(Routing, NormalisedAndScaled) {
  RouterOptions o;
  o.n_expert = 4;
  o.n_expert_used = 2;
  o.normalize_weights = true;
  o.weights_scale = 2.5f;
  const auto c = route(o, {1.0f, 3.0f, 2.0f, 0.0f});
  const double a = std::exp(3.0), b = std::exp(2.0);
  EXPECT_NEAR(c[0].weight, 2.5 * a / (a + b), 1e-5);
  EXPECT_NEAR(c[1].weight, 2.5 * b / (a + b), 1e-5);
}

TEST(Routing, TiesGoToLowerIndex) {
  RouterOptions o;
  o.n_expert = 5;
  o.n_expert_used = 2;
  const auto c = route(o, {0.5f, 0.5f, 0.5f, 0.5f, 0.5f});
  EXPECT_EQ(c[0].expert, 0);
  EXPECT_EQ(c[1].expert, 1);
  EXPECT_NEAR(c[0].weight, 0.2, 1e-6);
}

TEST(Routing, AllExpertsUsed) {
  RouterOptions o;
  o.n_expert = 3;
  o.n_expert_used = 3;
  o.normalize_weights = true;
  const auto c = route(o, {0.1f, -2.0f, 0.7f});
  EXPECT_EQ(c[0].expert, 2);
  EXPECT_EQ(c[1].expert, 0);
  EXPECT_EQ(c[2].expert, 1);
  EXPECT_NEAR(c[0].weight + c[1].weight + c[2].weight, 1.0, 1e-6);
}

TEST(Routing, SigmoidBiasChangesSelectionNotWeights) {
  RouterOptions o;
  o.n_expert = 4;
  o.n_expert_used = 1;
  o.gating = RouterOptions::Gating::Sigmoid;
  const std::vector<float> l = {2.0f, 1.0f, 0.0f, -1.0f};
  const auto c = route(o, l, {0.0f, 0.0f, 1.0f, 0.0f});  // expert 2: sigmoid(0)+1 = 1.5 > sigmoid(2) = 0.88
  EXPECT_EQ(c[0].expert, 2);
  EXPECT_NEAR(c[0].weight, 0.5, 1e-6);  // the unbiased sigmoid score
}

TEST(Routing, GroupLimitedSigmoidUsesTopTwoSum) {
  // 4 groups of 2. Group scores (top-2 sums): g0 = .9+.1, g1 = .6+.6, g2 = .95+.0, g3 = .55+.5
  RouterOptions o;
  o.n_expert = 8;
  o.n_expert_used = 2;
  o.gating = RouterOptions::Gating::Sigmoid;
  o.n_group = 4;
  o.n_group_used = 2;
  auto logit = [](double p) { return float(std::log(p / (1 - p))); };
  const std::vector<float> l = {logit(.9), logit(.1), logit(.6), logit(.6), logit(.95), logit(1e-6), logit(.55), logit(.5)};
  const auto c = route(o, l);
  // groups chosen: g1 (1.2) and g3 (1.05); expert 4 (.95) is in a dropped group
  EXPECT_EQ(c[0].expert, 2);
  EXPECT_EQ(c[1].expert, 3);
}

TEST(Routing, GroupLimitedSoftmaxUsesGroupMax) {
  RouterOptions o;
  o.n_expert = 6;
  o.n_expert_used = 2;
  o.n_group = 3;
  o.n_group_used = 1;
  const auto c = route(o, {0.0f, 3.0f, 2.9f, 2.9f, 1.0f, 1.0f});
  // group maxima: 3.0, 2.9, 1.0 -> only group 0 competes
  EXPECT_EQ(c[0].expert, 1);
  EXPECT_EQ(c[1].expert, 0);
}

TEST(Routing, AllExpertsInOneGroup) {
  RouterOptions o;
  o.n_expert = 4;
  o.n_expert_used = 2;
  o.n_group = 1;
  o.n_group_used = 1;
  const auto c = route(o, {0.0f, 1.0f, 2.0f, 3.0f});
  EXPECT_EQ(c[0].expert, 3);
  EXPECT_EQ(c[1].expert, 2);
}

}  // namespace
}  // namespace frugal
