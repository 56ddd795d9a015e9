#include "engine/vector_exp.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

// Distance in units in the last place between two finite positive doubles.
int64_t UlpDistance(double a, double b) {
  int64_t ia, ib;
  std::memcpy(&ia, &a, sizeof ia);
  std::memcpy(&ib, &b, sizeof ib);
  return ia > ib ? ia - ib : ib - ia;
}

TEST(VectorExpTest, WithinTwoUlpOfLibmOverTheNormalRange) {
  int64_t worst = 0;
  double worst_x = 0;
  constexpr int kPoints = 2'000'000;
  for (int k = 0; k <= kPoints; ++k) {
    const double x = -708.0 + 1417.0 * k / kPoints;
    const int64_t d = UlpDistance(VectorExp(x), std::exp(x));
    if (d > worst) worst = d, worst_x = x;
  }
  // Dense near 0, where the cell-update loops evaluate it (-h G / cm).
  for (int k = -1'000'000; k <= 1'000'000; ++k) {
    const double x = k * 1e-6;
    const int64_t d = UlpDistance(VectorExp(x), std::exp(x));
    if (d > worst) worst = d, worst_x = x;
  }
  EXPECT_LE(worst, 2) << "at x = " << worst_x;
}

TEST(VectorExpTest, ExactPointsAndLimits) {
  EXPECT_EQ(VectorExp(0.0), 1.0);
  EXPECT_EQ(VectorExp(-0.0), 1.0);
  EXPECT_EQ(VectorExp(-800.0), 0.0);
  EXPECT_EQ(VectorExp(-std::numeric_limits<double>::infinity()), 0.0);
  EXPECT_TRUE(std::isnan(VectorExp(std::nan(""))));
  EXPECT_LE(UlpDistance(VectorExp(1.0), M_E), 1);
}

TEST(VectorExpTest, OneMinusExpOverXWithinTwoUlpOfLibmOnItsRange) {
  int64_t worst = 0;
  double worst_x = 0;
  constexpr int kPoints = 4'000'000;
  for (int k = 1; k <= kPoints; ++k) {
    const double x = kOneMinusExpOverXMax * k / kPoints;
    const int64_t d = UlpDistance(OneMinusExpOverX(x), -std::expm1(-x) / x);
    if (d > worst) worst = d, worst_x = x;
  }
  EXPECT_LE(worst, 2) << "at x = " << worst_x;
  EXPECT_EQ(OneMinusExpOverX(0.0), 1.0);
}

}  // namespace
}  // namespace spikeserve::engine
